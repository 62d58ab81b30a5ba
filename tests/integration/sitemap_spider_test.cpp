// sitemap_spider in whole crawls against the in-process server: an index of a gzipped sitemap
// (served without Content-Encoding) and a plain one, routed to two callbacks by sitemap_rules;
// sitemaps announced in robots.txt; sitemap_follow; alternate links; sitemap_filter; plain-text
// sitemaps; a sitemap bomb stopped at DOWNLOAD_MAXSIZE while the crawl goes on; responses that
// are no sitemap or broken XML, logged and counted.
#include "crawl_runner.hpp"
#include "gzip.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>
#include <orbweaver/sitemap_spider.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

class shop_sitemap : public sitemap_spider {
 public:
  shop_sitemap() {
    name = "shop_sitemap";
    sitemap_rules = {{"/product/", &shop_sitemap::parse_product}, {"", "parse"}};
  }

  std::mutex mutex;
  std::set<std::string> products;  // paths, by callback
  std::set<std::string> pages;

  void parse_product(const response& r, output&) {
    std::lock_guard lock(mutex);
    products.insert(path_of(r.url()));
  }
  void parse(const response& r, output&) override {
    std::lock_guard lock(mutex);
    pages.insert(path_of(r.url()));
  }

  static std::string path_of(const std::string& url) { return url.substr(url.find('/', url.find("//") + 2)); }
};
ORBWEAVER_SPIDER(shop_sitemap, parse_product);

// Keeps the entries changed in 2026 or later, and those without a date (the index's).
class recent_sitemap : public shop_sitemap {
 public:
  std::vector<sitemap_entry> sitemap_filter(std::vector<sitemap_entry> entries) override {
    std::erase_if(entries, [](const sitemap_entry& e) {
      const auto lastmod = e.field("lastmod");
      return !lastmod.empty() && lastmod < "2026";
    });
    return entries;
  }
};
ORBWEAVER_SPIDER(recent_sitemap, parse_product);

test_reply xml(std::string body) {
  return test_reply{.headers = {{"Content-Type", "application/xml"}}, .body = std::move(body)};
}

std::string urlset(const test_server& server, const std::vector<std::string>& entries) {
  std::string body = R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">)";
  for (const auto& e : entries) body += fmt::format(fmt::runtime(e), fmt::arg("base", server.url("")));
  return body + "</urlset>";
}

std::string index_of(const test_server& server, const std::vector<std::string>& paths) {
  std::string body = R"(<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)";
  for (const auto& p : paths) body += fmt::format("<sitemap><loc>{}</loc></sitemap>\n", server.url(p));
  return body + "</sitemapindex>";
}

// robots.txt -> /sitemap_index.xml -> /sitemap-products.xml.gz (gzip, no Content-Encoding) and
// /sitemap-pages.xml -> three products (one with a German alternate) and two pages.
void serve_shop(test_server& server) {
  server.route("/robots.txt", [](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "text/plain"}},
                      .body = "User-agent: *\nDisallow: /private/\nSitemap: /sitemap_index.xml\n"};
  });
  server.route("/sitemap_index.xml", [&server](const test_request&) {
    return xml(index_of(server, {"/sitemap-products.xml.gz", "/sitemap-pages.xml"}));
  });
  const auto products = gzip(urlset(
      server, {"<url><loc>{base}/product/1</loc><lastmod>2026-03-01</lastmod>"
               "<xhtml:link rel=\"alternate\" hreflang=\"de\" href=\"{base}/de/product/1\"/></url>\n",
               "<url><loc>{base}/product/2</loc><lastmod>2025-12-31</lastmod></url>\n",
               "<url><loc> {base}/product/3 </loc><lastmod>2026-11-30</lastmod></url>\n"}));
  server.route("/sitemap-products.xml.gz", [products](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "application/octet-stream"}}, .body = products};
  });
  server.route("/sitemap-pages.xml", [&server](const test_request&) {
    return xml(urlset(server, {"<url><loc>{base}/about</loc><lastmod>2026-01-02</lastmod></url>",
                               "<url><loc>{base}/contact</loc><lastmod>2020-01-01</lastmod></url>"}));
  });
  for (const auto* page : {"/product/1", "/product/2", "/product/3", "/de/product/1", "/about", "/contact"})
    server.route(page, [](const test_request&) { return test_reply{.body = "<html><body>page</body></html>"}; });
}

std::unique_ptr<shop_sitemap> spider_at(std::vector<std::string> urls) {
  auto s = std::make_unique<shop_sitemap>();
  s->sitemap_urls = std::move(urls);
  return s;
}

shop_sitemap& spider_of(const crawl_result& result) { return static_cast<shop_sitemap&>(result.owner->target()); }

const std::set<std::string> all_products{"/product/1", "/product/2", "/product/3"};
const std::set<std::string> all_pages{"/about", "/contact"};

}  // namespace

TEST(SitemapSpider, IndexOfAGzippedAndAPlainSitemapRoutesPagesByRules) {
  test_server server;
  serve_shop(server);
  auto result = run_finished_crawl(spider_at({server.url("/sitemap_index.xml")}));
  auto& s = spider_of(result);
  EXPECT_EQ(s.products, all_products);
  EXPECT_EQ(s.pages, all_pages);
  EXPECT_EQ(server.arrivals("/de/product/1").size(), 0u);  // alternates are off by default
  EXPECT_EQ(result.stats.get("sitemap/invalid"), 0);
  EXPECT_EQ(result.stats.get("sitemap/too_large"), 0);
  EXPECT_EQ(result.stats.get("sitemap/malformed"), 0);
}

TEST(SitemapSpider, SitemapsAnnouncedInRobotsTxt) {
  test_server server;
  serve_shop(server);
  auto result = run_finished_crawl(spider_at({server.url("/robots.txt")}));
  auto& s = spider_of(result);
  EXPECT_EQ(s.products, all_products);
  EXPECT_EQ(s.pages, all_pages);
  EXPECT_EQ(server.arrivals("/sitemap_index.xml").size(), 1u);
}

TEST(SitemapSpider, SitemapFollowLimitsTheIndex) {
  test_server server;
  serve_shop(server);
  auto s = spider_at({server.url("/sitemap_index.xml")});
  s->sitemap_follow = {"products"};
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(spider_of(result).products, all_products);
  EXPECT_TRUE(spider_of(result).pages.empty());
  EXPECT_EQ(server.arrivals("/sitemap-pages.xml").size(), 0u);
}

TEST(SitemapSpider, RulesLeavePagesThatMatchNoneAlone) {
  test_server server;
  serve_shop(server);
  auto s = spider_at({server.url("/sitemap_index.xml")});
  s->sitemap_rules = {{"/product/[12]$", &shop_sitemap::parse_product}};
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(spider_of(result).products, (std::set<std::string>{"/product/1", "/product/2"}));
  EXPECT_TRUE(spider_of(result).pages.empty());
  EXPECT_EQ(server.arrivals("/product/3").size(), 0u);
  EXPECT_EQ(server.arrivals("/about").size(), 0u);
}

TEST(SitemapSpider, AlternateLinksWhenAskedFor) {
  test_server server;
  serve_shop(server);
  auto s = spider_at({server.url("/sitemap-products.xml.gz")});
  s->sitemap_alternate_links = true;
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(spider_of(result).products, (std::set<std::string>{"/product/1", "/product/2", "/product/3", "/de/product/1"}));
}

TEST(SitemapSpider, SitemapFilterChoosesEntries) {
  test_server server;
  serve_shop(server);
  auto s = std::make_unique<recent_sitemap>();
  s->sitemap_urls = {server.url("/sitemap_index.xml")};
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(spider_of(result).products, (std::set<std::string>{"/product/1", "/product/3"}));
  EXPECT_EQ(spider_of(result).pages, (std::set<std::string>{"/about"}));
}

TEST(SitemapSpider, PlainTextSitemap) {
  test_server server;
  serve_shop(server);
  server.route("/sitemap.txt", [&server](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "text/plain; charset=utf-8"}},
                      .body = server.url("/product/2") + "\r\n\n" + server.url("/about") + "\n"};
  });
  auto result = run_finished_crawl(spider_at({server.url("/sitemap.txt")}));
  EXPECT_EQ(spider_of(result).products, (std::set<std::string>{"/product/2"}));
  EXPECT_EQ(spider_of(result).pages, (std::set<std::string>{"/about"}));
}

// A gzip of 1 GiB of zeros (about 1 MiB on the wire) listed in the index beside a good sitemap:
// decompression stops at DOWNLOAD_MAXSIZE, the failure is logged and counted, the rest is crawled.
TEST(SitemapSpider, SitemapBombStopsAtTheCapAndTheCrawlGoesOn) {
  test_server server;
  serve_shop(server);
  const auto bomb = std::make_shared<const std::string>(gzip_bomb(1));
  ASSERT_LT(bomb->size(), 4u << 20);
  server.route("/bomb.xml.gz", [bomb](const test_request&) { return test_reply{.body = *bomb}; });
  server.route("/bombed_index.xml", [&server](const test_request&) {
    return xml(index_of(server, {"/bomb.xml.gz", "/sitemap-pages.xml"}));
  });
  const auto started = std::chrono::steady_clock::now();
  auto result = run_crawl_with_log(spider_at({server.url("/bombed_index.xml")}),
                                   {{"LOG_LEVEL", "WARNING"}, {"DOWNLOAD_MAXSIZE", std::to_string(16 << 20)}});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(spider_of(result).pages, all_pages);
  EXPECT_EQ(result.stats.get("sitemap/too_large"), 1);
  EXPECT_NE(result.log.find("decompresses to more than 16777216 bytes"), std::string::npos) << result.log;
  EXPECT_NE(result.log.find("/bomb.xml.gz"), std::string::npos);
}

TEST(SitemapSpider, TheSpidersCapWinsOverTheSetting) {
  test_server server;
  serve_shop(server);
  auto s = spider_at({server.url("/sitemap-products.xml.gz")});
  s->download_maxsize = 100;  // the products sitemap decompresses to more
  auto result = run_finished_crawl(std::move(s));
  EXPECT_TRUE(spider_of(result).products.empty());
  EXPECT_EQ(result.stats.get("sitemap/too_large"), 1);
}

TEST(SitemapSpider, ResponsesThatAreNoSitemapAreIgnoredLoggedAndCounted) {
  test_server server;
  serve_shop(server);
  server.route("/page", [](const test_request&) { return test_reply{.body = "<html><body>hi</body></html>"}; });
  server.route("/sitemap-html.xml", [](const test_request&) {
    return test_reply{.body = "<!DOCTYPE html><html><body><p>Not found</p></body></html>"};
  });
  server.route("/feed.json", [](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "application/json"}}, .body = "{\"a\": 1}"};
  });
  auto result = run_crawl_with_log(
      spider_at({server.url("/page"), server.url("/sitemap-html.xml"), server.url("/feed.json"), server.url("/about")}),
      {{"LOG_LEVEL", "WARNING"}});
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(result.stats.get("sitemap/invalid"), 4);
  EXPECT_TRUE(spider_of(result).pages.empty());
  EXPECT_NE(result.log.find("Ignoring invalid sitemap: <200 " + server.url("/page") + ">"), std::string::npos)
      << result.log;
}

TEST(SitemapSpider, MalformedXmlIsCountedAndTheEntriesBeforeTheBreakAreUsed) {
  test_server server;
  serve_shop(server);
  server.route("/broken.xml", [&server](const test_request&) {
    return xml(fmt::format("<urlset>\n<url><loc>{}</loc></url>\n<url><loc>{}</loc></url>\n<url><loc>oops</url>\n",
                           server.url("/about"), server.url("/product/1")));
  });
  auto result = run_crawl_with_log(spider_at({server.url("/broken.xml")}), {{"LOG_LEVEL", "WARNING"}});
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(result.stats.get("sitemap/malformed"), 1);
  EXPECT_EQ(spider_of(result).pages, (std::set<std::string>{"/about"}));
  EXPECT_EQ(spider_of(result).products, (std::set<std::string>{"/product/1"}));
  EXPECT_NE(result.log.find("is not well-formed XML (line "), std::string::npos) << result.log;
}

TEST(SitemapSpider, ARuleNamingAnUndeclaredCallbackFailsTheStart) {
  test_server server;
  serve_shop(server);
  auto s = spider_at({server.url("/sitemap_index.xml")});
  s->sitemap_rules = {{"", "parse_nothing"}};
  auto result = run_crawl_with_log(std::move(s), {{"LOG_LEVEL", "WARNING"}});
  EXPECT_EQ(server.arrivals("/sitemap_index.xml").size(), 0u);
  EXPECT_NE(result.log.find("'parse_nothing', which ORBWEAVER_SPIDER does not declare"), std::string::npos)
      << result.log;
}

// Requests of a JOBDIR are written with their callbacks' names: the sitemap requests' and the rules'.
TEST(SitemapSpider, RequestsNameTheirCallbacks) {
  test_server server;
  serve_shop(server);
  shop_sitemap s;
  s.sitemap_urls = {server.url("/sitemap-pages.xml")};
  auto start = s.start_requests();
  ASSERT_EQ(start.size(), 1u);
  EXPECT_EQ(start[0].callback_name, "parse_sitemap");
  EXPECT_TRUE(spider_callback(s, "parse_sitemap").has_value());
  const auto names = callback_names(s);
  EXPECT_NE(std::find(names.begin(), names.end(), "parse_sitemap"), names.end());

  response sitemap(start[0], start[0].url, 200, {{"Content-Type", "application/xml"}},
                   urlset(server, {"<url><loc>{base}/product/1</loc></url>", "<url><loc>{base}/about</loc></url>"}));
  output out;
  s.parse_sitemap(sitemap, out);
  ASSERT_EQ(out.requests().size(), 2u);
  EXPECT_EQ(out.requests()[0].callback_name, "parse_product");
  EXPECT_EQ(out.requests()[1].callback_name, "parse");
}
