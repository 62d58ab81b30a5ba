#include <orbweaver/log.hpp>
#include <orbweaver/output.hpp>
#include <orbweaver/sitemap_spider.hpp>

#include "core/text.hpp"
#include "download/decompress.hpp"
#include "download/robots.hpp"
#include "feeds/sitemap.hpp"

#include <fmt/format.h>

#include <regex>
#include <stdexcept>

namespace orbweaver {

namespace {

constexpr std::string_view component = "sitemap";

// The URL without its query and fragment, for the checks Scrapy makes on its end.
std::string_view url_path(std::string_view url) { return url.substr(0, url.find_first_of("?#")); }

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

bool starts_with_markup(std::string_view body) {
  body = text::trim_html_space(body);
  return !body.empty() && body.front() == '<';
}

bool is_plain_text(const response& r) {
  auto type = r.headers().get("Content-Type").value_or("");
  return iequals(text::trim_ows(type.substr(0, type.find(';'))), "text/plain");
}

// A size from the request's meta (Scrapy's download_maxsize/download_warnsize), when it has one.
std::optional<std::uint64_t> meta_size(const response& r, const char* key) {
  auto it = r.meta().find(key);
  if (it == r.meta().end() || !it->value().is_number()) return std::nullopt;
  const double size = it->value().to_number<double>();
  return size >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(size)) : std::nullopt;
}

enum class body_kind { xml, text, invalid, too_large };

struct sitemap_body {
  body_kind kind = body_kind::invalid;
  std::string text;
};

// Scrapy's _get_sitemap_body, and plain-text sitemaps: a gzip body is decompressed whatever the
// headers said (a .xml.gz file served without Content-Encoding), up to the size cap.
sitemap_body read_sitemap_body(const response& r, std::uint64_t max_size, std::uint64_t warn_size) {
  const auto path = url_path(r.url());
  const std::string& raw = r.body();
  const bool gzipped = raw.size() >= 2 && raw[0] == '\x1f' && raw[1] == '\x8b';
  sitemap_body result;
  if (gzipped) {
    auto decoded = download::decode_body("gzip", raw, max_size);
    if (decoded.error == errc::body_too_large) {
      result.kind = body_kind::too_large;
      return result;
    }
    if (decoded.error) return result;
    if (warn_size && raw.size() < warn_size && warn_size <= decoded.body.size())
      log::warning(component, "<{}> body size after decompression ({} B) is larger than the download warning size ({} B).",
                   r.url(), decoded.body.size(), warn_size);
    result.text = std::move(decoded.body);
  } else {
    result.text = raw;
  }
  const bool markup = starts_with_markup(result.text);
  if (markup && (gzipped || r.is_xml() || ends_with(path, ".xml") || ends_with(path, ".xml.gz")))
    result.kind = body_kind::xml;
  else if (!markup && (is_plain_text(r) || ends_with(path, ".txt") || ends_with(path, ".txt.gz")))
    result.kind = body_kind::text;
  return result;
}

}  // namespace

struct sitemap_spider::compiled {
  struct rule {
    std::regex pattern;
    callback_fn callback;
    std::string callback_name;
  };
  std::vector<rule> rules;
  std::vector<std::regex> follow;
};

sitemap_spider::sitemap_spider() = default;
sitemap_spider::~sitemap_spider() = default;

std::vector<detail::named_member> sitemap_spider::framework_callbacks() {
  return {detail::name_member<sitemap_spider>("parse_sitemap", &sitemap_spider::parse_sitemap)};
}

const sitemap_spider::compiled& sitemap_spider::rules() const {
  std::call_once(compile_once_, [this] {
    auto c = std::make_unique<compiled>();
    for (const auto& r : sitemap_rules) {
      callback_fn callback = r.callback;
      if (!callback) {
        auto found = spider_callback(*this, r.callback_name);
        if (!found)
          throw std::logic_error(fmt::format(
              "sitemap_rules of spider '{}' name the callback '{}', which ORBWEAVER_SPIDER does not declare", name,
              r.callback_name));
        callback = std::move(*found);
      }
      c->rules.push_back({std::regex(r.pattern), std::move(callback), r.callback_name});
    }
    for (const auto& pattern : sitemap_follow) c->follow.emplace_back(pattern);
    compiled_ = std::move(c);
  });
  return *compiled_;
}

std::vector<request> sitemap_spider::start_requests() {
  rules();  // a bad pattern or callback name fails the start, not every sitemap
  std::vector<request> requests;
  for (const auto& url : sitemap_urls) requests.emplace_back(url, &sitemap_spider::parse_sitemap);
  return requests;
}

std::vector<std::string> sitemap_spider::locations(const std::vector<sitemap_entry>& entries) const {
  std::vector<std::string> urls;
  for (const auto& entry : entries) {
    if (!entry.loc.empty()) urls.push_back(entry.loc);
    if (sitemap_alternate_links) urls.insert(urls.end(), entry.alternate.begin(), entry.alternate.end());
  }
  return urls;
}

void sitemap_spider::parse_sitemap(const response& r, output& out) {
  const auto& compiled_rules = rules();
  if (ends_with(url_path(r.url()), "/robots.txt")) {
    for (const auto& url : robots::parse(r.text()).sitemaps) out.follow(url, &sitemap_spider::parse_sitemap);
    return;
  }

  const auto& config = crawl_settings();
  const auto max_size = meta_size(r, "download_maxsize")
                            .value_or(download_maxsize.value_or(std::max(0LL, config.get_int("DOWNLOAD_MAXSIZE"))));
  const auto warn_size = meta_size(r, "download_warnsize")
                             .value_or(download_warnsize.value_or(std::max(0LL, config.get_int("DOWNLOAD_WARNSIZE"))));
  auto body = read_sitemap_body(r, max_size, warn_size);
  if (body.kind == body_kind::too_large) {
    log::warning(component, "Ignoring sitemap <{}>: its gzip body decompresses to more than {} bytes (DOWNLOAD_MAXSIZE)",
                 r.url(), max_size);
    out.inc_stat("sitemap/too_large");
    return;
  }

  std::vector<sitemap_entry> entries;
  bool index = false;
  if (body.kind == body_kind::xml) {
    auto parsed = sitemaps::parse_xml(body.text);
    if (parsed.type == "urlset" || parsed.type == "sitemapindex") {
      if (!parsed.error.empty()) {
        log::warning(component, "Sitemap <{}> is not well-formed XML ({}); using the {} entries read", r.url(),
                     parsed.error, parsed.entries.size());
        out.inc_stat("sitemap/malformed");
      }
      index = parsed.type == "sitemapindex";
      entries = std::move(parsed.entries);
    } else {
      body.kind = body_kind::invalid;
    }
  } else if (body.kind == body_kind::text) {
    for (auto& url : sitemaps::parse_text(body.text)) entries.push_back({std::move(url), {}, {}});
  }
  if (body.kind == body_kind::invalid) {
    log::warning(component, "Ignoring invalid sitemap: <{} {}>", r.status(), r.url());
    out.inc_stat("sitemap/invalid");
    return;
  }

  const auto urls = locations(sitemap_filter(std::move(entries)));
  for (const auto& url : urls) {
    if (index) {
      for (const auto& pattern : compiled_rules.follow)
        if (std::regex_search(url, pattern)) {
          out.follow(url, &sitemap_spider::parse_sitemap);
          break;
        }
      continue;
    }
    for (const auto& rule : compiled_rules.rules) {
      if (!std::regex_search(url, rule.pattern)) continue;
      std::error_code why;
      if (auto target = r.urljoin(url, &why)) {
        request page(std::move(*target), rule.callback);
        page.callback_name = rule.callback_name;
        out.emit(std::move(page));
      } else {
        out.unfollowable_links().push_back(why);
      }
      break;
    }
  }
}

}  // namespace orbweaver
