#include "downloader/meta_refresh.hpp"
#include "engine/builtin_components.hpp"
#include "core/text.hpp"

#include "html/charset.hpp"
#include "html/markup.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/headers.hpp>
#include <orbweaver/meta.hpp>
#include <orbweaver/response.hpp>
#include <orbweaver/url.hpp>

#include <algorithm>

namespace orbweaver::middlewares {
namespace {

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

bool ends_tag_name(char c) { return text::is_html_space(c) || c == '/' || c == '>'; }

std::size_t find_ignoring_case(std::string_view haystack, std::string_view needle, std::size_t from) {
  for (std::size_t i = from; i + needle.size() <= haystack.size(); ++i)
    if (iequals(haystack.substr(i, needle.size()), needle)) return i;
  return std::string_view::npos;
}

// The character a reference between '&' and ';' stands for: numeric ones, and the named ones a
// URL needs ("?a=1&amp;b=2" is how valid HTML writes a query). nullopt leaves it as written.
std::optional<std::string> decode_reference(std::string_view name) {
  if (name == "amp") return "&";
  if (name == "quot") return "\"";
  if (name == "apos") return "'";
  if (name == "lt") return "<";
  if (name == "gt") return ">";
  if (name.size() < 2 || name.front() != '#') return std::nullopt;
  const bool hex = name[1] == 'x' || name[1] == 'X';
  std::string_view digits = name.substr(hex ? 2 : 1);
  if (digits.empty()) return std::nullopt;
  char32_t code_point = 0;
  for (char c : digits) {
    int value = is_ascii_digit(c) ? c - '0'
                : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : -1;
    if (value < 0) return std::nullopt;
    code_point = std::min<char32_t>(code_point * (hex ? 16 : 10) + static_cast<char32_t>(value), 0x110000);
  }
  // As the HTML tokenizer: NUL, surrogates and values beyond Unicode become U+FFFD.
  if (code_point == 0 || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) code_point = 0xFFFD;
  std::string out;
  orbweaver::html::append_utf8(out, code_point);
  return out;
}

std::string decode_references(std::string_view value) {
  constexpr std::size_t longest_reference = 10;  // "&#x10FFFF;" and every name decode_reference knows
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t semicolon = value[i] == '&' ? value.find(';', i) : std::string_view::npos;
    if (semicolon != std::string_view::npos && semicolon - i <= longest_reference) {
      if (auto decoded = decode_reference(value.substr(i + 1, semicolon - i - 1))) {
        out += *decoded;
        i = semicolon + 1;
        continue;
      }
    }
    out += value[i++];
  }
  return out;
}

bool is_ignored(std::string_view tag_name, const std::vector<std::string>& ignore_tags) {
  return std::any_of(ignore_tags.begin(), ignore_tags.end(),
                     [&](const std::string& ignored) { return iequals(tag_name, ignored); });
}

}  // namespace

std::optional<refresh_content> parse_refresh_content(std::string_view content) {
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < content.size() && text::is_html_space(content[i])) ++i;
  };
  skip_space();
  // "5", "1.5" or ".5", as w3lib reads it; the digits accumulate in a double, which saturates.
  const std::size_t delay_start = i;
  double delay = 0;
  for (; i < content.size() && is_ascii_digit(content[i]); ++i) delay = delay * 10 + (content[i] - '0');
  if (i < content.size() && content[i] == '.') {
    ++i;
    for (double scale = 0.1; i < content.size() && is_ascii_digit(content[i]); ++i, scale /= 10)
      delay += (content[i] - '0') * scale;
  }
  const std::string_view delay_text = content.substr(delay_start, i - delay_start);
  if (delay_text.empty() || delay_text == ".") return std::nullopt;
  skip_space();
  if (i >= content.size() || (content[i] != ';' && content[i] != ',')) return std::nullopt;
  ++i;
  skip_space();
  if (!iequals(content.substr(i, 3), "url")) return std::nullopt;
  i += 3;
  skip_space();
  if (i >= content.size() || content[i] != '=') return std::nullopt;
  ++i;
  skip_space();
  std::string_view target = content.substr(i);
  if (!target.empty() && (target.front() == '"' || target.front() == '\'')) {
    const char quote = target.front();
    target.remove_prefix(1);
    target = target.substr(0, target.find(quote));
  }
  target = text::trim_html_space(target);
  if (target.empty()) return std::nullopt;
  return refresh_content{delay, target};
}

std::optional<meta_refresh> find_meta_refresh(std::string_view html, std::string_view page_url,
                                              const std::vector<std::string>& ignore_tags) {
  std::optional<meta_refresh> found;  // its URL as written until the base is known
  std::optional<std::string> base_href;
  std::size_t i = 0;
  while ((!found || !base_href) && (i = html.find('<', i)) != std::string_view::npos) {
    const std::string_view rest = html.substr(i);
    if (rest.starts_with("<!--")) {
      const std::size_t end = html.find("-->", i + 4);
      if (end == std::string_view::npos) break;
      i = end + 3;
      continue;
    }
    if (rest.size() > 1 && is_ascii_letter(rest[1])) {
      std::size_t name_end = i + 1;
      while (name_end < html.size() && !ends_tag_name(html[name_end])) ++name_end;
      const std::string_view name = html.substr(i + 1, name_end - i - 1);
      i = name_end;
      if (is_ignored(name, ignore_tags)) {
        const std::string closing = "</" + std::string(name);
        i = find_ignoring_case(html, closing, i);
        if (i == std::string_view::npos) break;  // what is left of the window is inside the tag
        i += closing.size();
        continue;
      }
      // The first of each attribute counts, as the HTML tokenizer drops repeated ones.
      std::optional<std::string_view> http_equiv, content, href;
      while (auto attribute = orbweaver::html::next_attribute(html, i)) {
        if (iequals(attribute->name, "http-equiv") && !http_equiv) http_equiv = attribute->value;
        if (iequals(attribute->name, "content") && !content) content = attribute->value;
        if (iequals(attribute->name, "href") && !href) href = attribute->value;
      }
      // A tag the text ends inside (a truncated page, or the window's edge) is dropped, as browsers do.
      if (i >= html.size()) break;
      if (!found && iequals(name, "meta") && http_equiv && content &&
          iequals(text::trim_html_space(*http_equiv), "refresh")) {
        const std::string decoded = decode_references(*content);
        if (auto refresh = parse_refresh_content(decoded)) found = meta_refresh{refresh->delay, std::string(refresh->url)};
      }
      if (!base_href && href && iequals(name, "base")) base_href = decode_references(*href);
      continue;
    }
    if (rest.starts_with("</") || rest.starts_with("<!") || rest.starts_with("<?")) {
      const std::size_t end = html.find('>', i);
      if (end == std::string_view::npos) break;
      i = end + 1;
      continue;
    }
    ++i;
  }
  if (!found) return std::nullopt;

  std::string base(page_url);
  // A relative <base href> is itself relative to the page's URL.
  if (base_href)
    if (auto joined = url::join(page_url, *base_href)) base = std::move(*joined);
  auto target = url::join(base, found->url);
  if (!target) return std::nullopt;
  found->url = std::move(*target);
  return found;
}

std::optional<meta_refresh> find_meta_refresh(const response& resp, const std::vector<std::string>& ignore_tags) {
  std::string_view head = std::string_view(resp.body()).substr(0, meta_refresh_window);
  const std::string& charset = resp.encoding();
  if (const auto bom = html::detect_bom(head); bom.charset == charset) head.remove_prefix(bom.length);
  // Other bytes than UTF-8 are decoded (4 KB of them, cheaply) so that a non-ASCII URL comes out
  // as the page meant it and UTF-16 can be read at all.
  if (charset == "utf-8") return find_meta_refresh(head, resp.url(), ignore_tags);
  const std::string decoded = html::decode_to_utf8(head, charset);
  return find_meta_refresh(decoded, resp.url(), ignore_tags);
}

bool meta_refresh_middleware::open(crawler& c) {
  follower_.open(c);
  max_delay_ = c.config().get_double("METAREFRESH_MAXDELAY");
  ignore_tags_ = c.config().get_list("METAREFRESH_IGNORE_TAGS");
  return c.config().get_bool("METAREFRESH_ENABLED");
}

awaitable<response_action> meta_refresh_middleware::process_response(const request& r, response_ptr resp, spider&) {
  if (meta_flag(r.meta, "dont_redirect") || r.method == "HEAD" || !resp->is_html()) co_return resp;
  auto refresh = find_meta_refresh(*resp, ignore_tags_);
  // Scrapy follows only refreshes strictly shorter than the maximum delay.
  if (!refresh || refresh->delay >= max_delay_) co_return resp;
  request next = redirected_request(r, std::move(refresh->url), /*use_get=*/true);
  co_return follower_.follow(r, std::move(next), "meta refresh");
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(meta_refresh_middleware, "meta_refresh", 580);

}  // namespace orbweaver::middlewares
