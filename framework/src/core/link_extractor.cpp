// link_extractor: Scrapy's LxmlLinkExtractor (scrapy/linkextractors/lxmlhtml.py) over the page's
// own parsed document, with URLs resolved by our WHATWG parser.
#include <orbweaver/link_extractor.hpp>

#include <orbweaver/response.hpp>
#include <orbweaver/url.hpp>

#include "core/domains.hpp"
#include "core/text.hpp"
#include "html/unicode_regex.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

namespace orbweaver {

const std::vector<std::string>& ignored_extensions() {
  static const std::vector<std::string> extensions{
      // archives
      "7z", "7zip", "bz2", "rar", "tar", "tar.gz", "xz", "zip",
      // images
      "mng", "pct", "bmp", "gif", "jpg", "jpeg", "png", "pst", "psp", "tif", "tiff", "ai", "drw", "dxf", "eps", "ps",
      "svg", "cdr", "ico", "webp",
      // audio
      "mp3", "wma", "ogg", "wav", "ra", "aac", "mid", "au", "aiff",
      // video
      "3gp", "asf", "asx", "avi", "mov", "mp4", "mpg", "qt", "rm", "swf", "wmv", "m4a", "m4v", "flv", "webm",
      // office suites
      "xls", "xlsm", "xlsx", "xltm", "xltx", "potm", "potx", "ppt", "pptm", "pptx", "pps", "doc", "docb", "docm",
      "docx", "dotm", "dotx", "odt", "ods", "odg", "odp",
      // other
      "css", "pdf", "exe", "bin", "rss", "dmg", "iso", "apk", "jar", "sh", "rb", "js", "hta", "bat", "cpl", "msi",
      "msp", "py"};
  return extensions;
}

namespace {

using regex_list = std::vector<std::shared_ptr<const boost::u32regex>>;

regex_list compile_all(const std::vector<std::string>& patterns, std::string_view option) {
  regex_list compiled;
  for (const auto& pattern : patterns) {
    try {
      compiled.push_back(html::unicode_regex(pattern));
    } catch (const std::exception& e) {
      throw std::invalid_argument(fmt::format("link_extractor {}: {}", option, e.what()));
    }
  }
  return compiled;
}

bool any_search(const regex_list& regexes, const std::string& subject) {
  return std::any_of(regexes.begin(), regexes.end(),
                     [&](const auto& regex) { return boost::u32regex_search(subject, *regex); });
}

bool is_name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Names go into a CSS selector, so only plain ones are accepted.
std::vector<std::string> checked_names(const std::vector<std::string>& names, std::string_view option,
                                       bool wildcard_allowed) {
  std::vector<std::string> lowered;
  for (const auto& name : names) {
    const bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
                       std::all_of(name.begin(), name.end(), is_name_character);
    if (!plain && !(wildcard_allowed && name == "*"))
      throw std::invalid_argument(
          fmt::format("link_extractor {}: \"{}\" is not an element or attribute name", option, name));
    lowered.push_back(text::ascii_lowered(name));
  }
  return lowered;
}

bool rel_has_nofollow(std::string_view rel) {
  std::string words = text::ascii_lowered(rel);
  std::replace(words.begin(), words.end(), ',', ' ');
  std::size_t at = 0;
  while (at < words.size()) {
    while (at < words.size() && text::is_html_space(words[at])) ++at;
    std::size_t end = at;
    while (end < words.size() && !text::is_html_space(words[end])) ++end;
    if (std::string_view(words).substr(at, end - at) == "nofollow") return true;
    at = end;
  }
  return false;
}

// Where a link goes: its URL resolved against the page and its fragment apart, since resolving
// drops the fragment.
std::optional<std::pair<std::string, std::string>> resolve(const response& page, std::string_view value) {
  const auto hash = value.find('#');
  auto target = page.urljoin(value.substr(0, hash));
  if (!target) return std::nullopt;
  std::string fragment(hash == std::string_view::npos ? std::string_view() : value.substr(hash + 1));
  return std::pair{std::move(*target), std::move(fragment)};
}

std::string unique_key(const page_link& l) { return l.fragment.empty() ? l.url : l.url + '#' + l.fragment; }

}  // namespace

struct link_extractor::compiled {
  link_extractor_options options;
  regex_list allow, deny, restrict_text;
  std::vector<std::string> allow_domains, deny_domains, tags, attrs, dotted_extensions;
  std::string link_elements;  // the CSS selector of elements that may hold links: "a[href], area[href]"

  bool scans(const selector& element) const {
    const std::string_view tag = element.tag();
    const bool any_tag = std::find(tags.begin(), tags.end(), "*") != tags.end();
    if (!any_tag && std::find(tags.begin(), tags.end(), tag) == tags.end()) return false;
    return std::any_of(attrs.begin(), attrs.end(), [&](const std::string& a) { return element.attrib(a).has_value(); });
  }

  // The URL patterns and domains (Scrapy's LinkExtractor.matches).
  bool matches(const std::string& address) const {
    const std::string host = url::host(address);
    if (!allow_domains.empty() && !host_in_any_domain(host, allow_domains)) return false;
    if (host_in_any_domain(host, deny_domains)) return false;
    return (allow.empty() || any_search(allow, address)) && !any_search(deny, address);
  }

  // matches(), then the extensions and the link's text.
  bool allowed(const page_link& l) const {
    if (!matches(l.url)) return false;
    if (!dotted_extensions.empty()) {
      const auto parts = url::split(l.url);
      const std::string path = text::ascii_lowered(parts ? parts->path : std::string_view());
      if (std::any_of(dotted_extensions.begin(), dotted_extensions.end(),
                      [&](const std::string& extension) { return path.ends_with(extension); }))
        return false;
    }
    return restrict_text.empty() || any_search(restrict_text, l.text);
  }

  // The links of one element, one per scanned attribute it has, in `attrs` order.
  void add_links(const response& page, const selector& element, std::vector<page_link>& links) const {
    std::optional<std::string> text;
    for (const auto& name : attrs) {
      const auto attribute = element.attrib(name);
      if (!attribute) continue;
      std::string value = options.strip ? std::string(text::trim_html_space(*attribute)) : *attribute;
      if (options.process_value) {
        const auto resolved = resolve(page, value);
        const std::string given =
            !resolved ? value : resolved->second.empty() ? resolved->first : resolved->first + '#' + resolved->second;
        auto processed = options.process_value(given);
        if (!processed) continue;
        value = std::move(*processed);
      }
      auto resolved = resolve(page, value);
      if (!resolved) continue;
      if (!text) text = element.text();
      links.push_back(page_link{std::move(resolved->first), *text, std::move(resolved->second),
                           rel_has_nofollow(element.attrib("rel").value_or(""))});
    }
  }
};

link_extractor::link_extractor(link_extractor_options options) {
  auto c = std::make_shared<compiled>();
  c->allow = compile_all(options.allow, "allow");
  c->deny = compile_all(options.deny, "deny");
  c->restrict_text = compile_all(options.restrict_text, "restrict_text");
  for (const auto& domain : options.allow_domains) c->allow_domains.push_back(text::ascii_lowered(domain));
  for (const auto& domain : options.deny_domains) c->deny_domains.push_back(text::ascii_lowered(domain));
  c->tags = checked_names(options.tags, "tags", true);
  c->attrs = checked_names(options.attrs, "attrs", false);
  for (const auto& extension : options.deny_extensions)
    c->dotted_extensions.push_back("." + text::ascii_lowered(extension));
  for (const auto& tag : c->tags)
    for (const auto& attr : c->attrs)
      c->link_elements += fmt::format("{}{}[{}]", c->link_elements.empty() ? "" : ", ", tag, attr);
  c->options = std::move(options);
  compiled_ = std::move(c);
}

const link_extractor_options& link_extractor::options() const { return compiled_->options; }

std::vector<page_link> link_extractor::extract_links(const response& page) const {
  const compiled& c = *compiled_;
  if (c.link_elements.empty() || !(page.is_html() || page.is_xml())) return {};
  std::vector<page_link> links;
  const auto& restrict_xpaths = c.options.restrict_xpaths;
  const auto& restrict_css = c.options.restrict_css;
  if (restrict_xpaths.empty() && restrict_css.empty()) {
    for (const auto& element : page.css(c.link_elements)) c.add_links(page, element, links);
  } else {
    auto scan_region = [&](const selector& region) {
      if (region.type() != selector::kind::element) return;
      if (c.scans(region)) c.add_links(page, region, links);
      for (const auto& element : region.css(c.link_elements)) c.add_links(page, element, links);
    };
    for (const auto& query : restrict_xpaths)
      for (const auto& region : page.xpath(query)) scan_region(region);
    for (const auto& query : restrict_css)
      for (const auto& region : page.css(query)) scan_region(region);
  }

  std::erase_if(links, [&](const page_link& l) { return !c.allowed(l); });
  if (c.options.canonicalize)
    for (auto& l : links) {
      l.url = url::canonicalize(l.url);
      l.fragment.clear();
    }
  if (c.options.unique) {
    std::unordered_set<std::string> seen;
    std::erase_if(links, [&](const page_link& l) { return !seen.insert(unique_key(l)).second; });
  }
  return links;
}

bool link_extractor::matches(std::string_view address) const { return compiled_->matches(std::string(address)); }

}  // namespace orbweaver
