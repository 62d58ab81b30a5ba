#pragma once
// Scrapy's SitemapSpider: crawls the pages a site lists in its sitemaps.
//   class shop : public orbweaver::sitemap_spider {
//    public:
//     shop() {
//       name = "shop";
//       sitemap_urls = {"https://shop.example/robots.txt"};        // or sitemap.xml, an index, .xml.gz
//       sitemap_rules = {{"/product/", &shop::parse_product}, {"", "parse"}};  // first match wins
//       sitemap_follow = {"/sitemap-products"};                     // index entries to follow
//     }
//     void parse_product(const orbweaver::response& r, orbweaver::output& out);
//   };
//   ORBWEAVER_SPIDER(shop, parse_product);
//
// A sitemap URL may answer with an XML urlset or sitemapindex (namespaced or not), a gzip file
// (decompressed whatever the Content-Encoding said, up to DOWNLOAD_MAXSIZE: a sitemap bomb stops
// there), a plain-text sitemap (one URL per line) or robots.txt (its Sitemap: lines are followed).
// What goes wrong is logged at WARNING and counted in the crawl's stats: "sitemap/invalid" (not a
// sitemap: "Ignoring invalid sitemap" as in Scrapy), "sitemap/too_large", "sitemap/malformed"
// (broken XML; the entries read before the break are kept). Entity references in sitemaps are
// never expanded and nothing is fetched for a DTD (XXE and "billion laughs" have no effect).
#include <orbweaver/spider.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver {

// One <url> of a urlset or <sitemap> of an index, as Scrapy's Sitemap yields it.
struct sitemap_entry {
  std::string loc;                               // trimmed; may be empty
  std::map<std::string, std::string> fields;     // other children by local name: lastmod, changefreq, priority
  std::vector<std::string> alternate;            // href of each <xhtml:link> (hreflang alternates)

  // A field's text, or the fallback when the entry has none.
  std::string field(std::string_view name, std::string fallback = {}) const {
    auto it = fields.find(std::string(name));
    return it == fields.end() ? fallback : it->second;
  }
};

// A sitemap URL pattern and the callback for the pages that match it.
struct sitemap_rule {
  std::string pattern;         // ECMAScript regular expression, searched anywhere in the URL
  callback_fn callback;        // empty: looked up by callback_name (ORBWEAVER_SPIDER's names)
  std::string callback_name;

  sitemap_rule(std::string pattern, std::string name) : pattern(std::move(pattern)), callback_name(std::move(name)) {}
  sitemap_rule(std::string pattern, const char* name) : sitemap_rule(std::move(pattern), std::string(name)) {}
  template <class S>
  sitemap_rule(std::string pattern, void (S::*cb)(const response&, output&))
      : pattern(std::move(pattern)),
        callback(bind_callback(cb)),
        callback_name(detail::registered_name(detail::key_of(typeid(S), cb))) {}
};

class sitemap_spider : public spider {
 public:
  sitemap_spider();
  ~sitemap_spider() override;

  // Sitemaps, sitemap indexes or robots.txt URLs to start from.
  std::vector<std::string> sitemap_urls;
  // Page URL pattern -> callback; the first rule whose pattern matches wins, pages matching none
  // are not requested. Default: every page to parse().
  std::vector<sitemap_rule> sitemap_rules{{"", "parse"}};
  // Index entries (sitemaps) matching one of these patterns are followed. Default: all.
  std::vector<std::string> sitemap_follow{""};
  // Request the <xhtml:link rel="alternate"> URLs of each entry too.
  bool sitemap_alternate_links = false;
  // Caps on a decompressed gzip sitemap, in bytes; unset: the DOWNLOAD_MAXSIZE and
  // DOWNLOAD_WARNSIZE settings (a request's "download_maxsize"/"download_warnsize" meta wins).
  std::optional<std::uint64_t> download_maxsize;
  std::optional<std::uint64_t> download_warnsize;

  // A GET of each sitemap URL to parse_sitemap().
  std::vector<request> start_requests() override;
  // Which entries of a sitemap (or index) to use; all by default. Override to filter, e.g. by
  // entry.field("lastmod"). Runs on the parse pool, several sitemaps at once.
  virtual std::vector<sitemap_entry> sitemap_filter(std::vector<sitemap_entry> entries) { return entries; }

  // The callback of every sitemap request: requests the sitemaps of an index or robots.txt, and
  // the pages of a urlset by sitemap_rules.
  void parse_sitemap(const response& r, output& out);

  // Registers parse_sitemap by name for every subclass (see ORBWEAVER_SPIDER).
  static std::vector<detail::named_member> framework_callbacks();

 private:
  struct compiled;
  const compiled& rules() const;
  std::vector<std::string> locations(const std::vector<sitemap_entry>& entries) const;

  mutable std::unique_ptr<compiled> compiled_;
  mutable std::once_flag compile_once_;
};

}  // namespace orbweaver
