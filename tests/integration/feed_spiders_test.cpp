// xml_feed_spider and csv_feed_spider over feeds served on loopback: an RSS feed with namespaced
// elements, CDATA and <link> text, iterated by a plain and by a prefixed itertag; a CSV file with
// quoted fields, a custom delimiter, given headers and rows of the wrong length.
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/feed_spiders.hpp>
#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

const std::string rss = R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Shop news</title>
  <link>http://shop.example/</link>
  <item>
    <title>First &amp; best</title>
    <link>http://shop.example/1</link>
    <description><![CDATA[<p>Bold <b>claims</b></p>]]></description>
    <g:price currency="EUR">10.50</g:price>
    <pubDate>Sat, 05 Dec 2026 10:00:00 GMT</pubDate>
  </item>
  <item>
    <title>Second</title>
    <link>http://shop.example/2</link>
    <g:price currency="USD">7</g:price>
    <dc:creator>Ann</dc:creator>
  </item>
</channel>
</rss>)";

class rss_spider : public xml_feed_spider {
 public:
  rss_spider() { name = "rss"; }
  std::mutex mutex;
  std::vector<std::map<std::string, std::string>> nodes;

  void parse_node(const response&, const selector& node, output&) override {
    std::map<std::string, std::string> seen{
        {"title", node.xpath("title/text()").get()},
        {"link", node.css("link::text").get()},
        {"description", node.xpath("description/text()").get()},
        {"price", node.xpath("price/text()").get()},
        {"currency", node.css("price").attrib("currency").value_or("")},
        {"date", node.xpath("pubdate/text()").get()},
    };
    std::lock_guard lock(mutex);
    nodes.push_back(std::move(seen));
  }
};

class price_spider : public xml_feed_spider {
 public:
  price_spider() {
    name = "prices";
    itertag = "x:price";
    namespaces = {{"x", "http://base.google.com/ns/1.0"}};
  }
  std::mutex mutex;
  std::vector<std::string> prices;

  void parse_node(const response&, const selector& node, output&) override {
    std::lock_guard lock(mutex);
    prices.push_back(node.attrib("currency").value_or("") + " " + node.text());
  }
};

class products_csv : public csv_feed_spider {
 public:
  products_csv() { name = "products_csv"; }
  std::mutex mutex;
  std::vector<std::map<std::string, std::string>> rows;

  void sort_by_sku() {
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.at("sku") < b.at("sku"); });
  }

  void parse_row(const response&, const std::map<std::string, std::string>& row, output& out) override {
    {
      std::lock_guard lock(mutex);
      rows.push_back(row);
    }
    out.emit(item{{"sku", row.at("sku")}});
  }
};

void serve(test_server& server, std::string path, std::string type, std::string body) {
  server.route(std::move(path), [type, body](const test_request&) {
    return test_reply{.headers = {{"Content-Type", type}}, .body = body};
  });
}

}  // namespace

TEST(XmlFeedSpider, EachItemNodeIsASelector) {
  test_server server;
  serve(server, "/feed.xml", "application/rss+xml", rss);
  auto s = std::make_unique<rss_spider>();
  s->start_urls = {server.url("/feed.xml")};
  auto result = run_finished_crawl(std::move(s));
  auto& spider = static_cast<rss_spider&>(result.owner->target());
  ASSERT_EQ(spider.nodes.size(), 2u);
  EXPECT_EQ(spider.nodes[0], (std::map<std::string, std::string>{{"title", "First & best"},
                                                                 {"link", "http://shop.example/1"},
                                                                 {"description", "<p>Bold <b>claims</b></p>"},
                                                                 {"price", "10.50"},
                                                                 {"currency", "EUR"},
                                                                 {"date", "Sat, 05 Dec 2026 10:00:00 GMT"}}));
  EXPECT_EQ(spider.nodes[1].at("link"), "http://shop.example/2");
  EXPECT_EQ(spider.nodes[1].at("currency"), "USD");
  EXPECT_EQ(spider.nodes[1].at("description"), "");
}

TEST(XmlFeedSpider, PrefixedItertagMatchesByNamespace) {
  test_server server;
  serve(server, "/feed.xml", "application/xml", rss);
  auto s = std::make_unique<price_spider>();
  s->start_urls = {server.url("/feed.xml")};
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(static_cast<price_spider&>(result.owner->target()).prices,
            (std::vector<std::string>{"EUR 10.50", "USD 7"}));

  // Another namespace under the same prefix matches nothing.
  auto other = std::make_unique<price_spider>();
  other->namespaces = {{"x", "http://example.com/other"}};
  other->start_urls = {server.url("/feed.xml")};
  auto none = run_finished_crawl(std::move(other));
  EXPECT_TRUE(static_cast<price_spider&>(none.owner->target()).prices.empty());
}

// Elements named as HTML's (p, code, table, title, ...) stay where XML puts them: the HTML parser
// would end foreign content at them or parse their content as HTML.
class product_feed_spider : public xml_feed_spider {
 public:
  product_feed_spider() {
    name = "product_feed";
    itertag = "product";
  }
  std::mutex mutex;
  std::vector<std::vector<std::string>> products;

  void parse_node(const response&, const selector& node, output&) override {
    std::vector<std::string> seen{node.xpath("code/text()").get(), node.xpath("title/b/text()").get(),
                                  node.css("table > tr > td::text").get(), node.xpath("p/span/@lang").get(),
                                  node.xpath("count(*)").get(), node.xpath("name(*[last()])").get()};
    std::lock_guard lock(mutex);
    products.push_back(std::move(seen));
  }
};

TEST(XmlFeedSpider, ElementsNamedAsHtmlsStayInTheirNode) {
  test_server server;
  serve(server, "/products.xml", "application/xml", R"(<?xml version="1.0"?>
<catalog>
  <product><code>X-1</code><title><b>Bold</b> lamp</title><table><tr><td>cell</td></tr></table>
    <p><span lang="en">Text</span></p><br/><price>3</price></product>
  <product><code>X-2</code><title>Plain</title><div><em>in div</em></div><price>4</price></product>
</catalog>)");
  auto s = std::make_unique<product_feed_spider>();
  s->start_urls = {server.url("/products.xml")};
  auto result = run_finished_crawl(std::move(s));
  auto& spider = static_cast<product_feed_spider&>(result.owner->target());
  ASSERT_EQ(spider.products.size(), 2u);
  EXPECT_EQ(spider.products[0], (std::vector<std::string>{"X-1", "Bold", "cell", "en", "6.0", "price"}));
  EXPECT_EQ(spider.products[1], (std::vector<std::string>{"X-2", "", "", "", "4.0", "price"}));
}

TEST(XmlFeedSpider, AFeedThatIsNoXmlIsLoggedAndCounted) {
  test_server server;
  serve(server, "/feed.xml", "application/xml", "no feed here");
  serve(server, "/broken.xml", "application/xml",
        "<rss><channel><item><title>kept</title></item><item><title>cut</title></channel>");
  auto s = std::make_unique<rss_spider>();
  s->start_urls = {server.url("/feed.xml"), server.url("/broken.xml")};
  auto result = run_crawl_with_log(std::move(s), {{"LOG_LEVEL", "WARNING"}});
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(result.stats.get("xmlfeed/invalid"), 1);
  EXPECT_EQ(result.stats.get("xmlfeed/malformed"), 1);
  EXPECT_NE(result.log.find("Ignoring invalid XML feed: <200 " + server.url("/feed.xml")), std::string::npos)
      << result.log;
  auto& spider = static_cast<rss_spider&>(result.owner->target());
  ASSERT_FALSE(spider.nodes.empty());
  EXPECT_EQ(spider.nodes[0].at("title"), "kept");
}

TEST(CsvFeedSpider, RowsByHeaderWithQuotedFieldsAndBadRowsSkipped) {
  test_server server;
  serve(server, "/products.csv", "text/csv",
        "sku,name,price\r\n"
        "A1,\"Chair, oak\",10\r\n"
        "A2,\"The \"\"best\"\" lamp\nwith two lines\",20\r\n"
        "A3,too short\r\n"
        "A4,Table,30\r\n");
  auto s = std::make_unique<products_csv>();
  s->start_urls = {server.url("/products.csv")};
  auto result = run_crawl_with_log(std::move(s), {{"LOG_LEVEL", "WARNING"}});
  EXPECT_EQ(result.reason, "finished");
  auto& spider = static_cast<products_csv&>(result.owner->target());
  ASSERT_EQ(spider.rows.size(), 3u);
  spider.sort_by_sku();
  EXPECT_EQ(spider.rows[0], (std::map<std::string, std::string>{{"sku", "A1"}, {"name", "Chair, oak"}, {"price", "10"}}));
  EXPECT_EQ(spider.rows[1].at("name"), "The \"best\" lamp\nwith two lines");
  EXPECT_EQ(spider.rows[2].at("sku"), "A4");
  EXPECT_EQ(result.stats.get("csvfeed/ignored_rows"), 1);
  EXPECT_EQ(result.stats.get("item_scraped_count"), 3);
  EXPECT_NE(result.log.find("ignoring row 5 of <" + server.url("/products.csv") + "> (length: 2, should be: 3)"),
            std::string::npos)
      << result.log;
}

TEST(CsvFeedSpider, GivenHeadersDelimiterAndQuotechar) {
  test_server server;
  serve(server, "/prices.csv", "text/csv", "B1;'x;y';5\nB2;plain;6\n");
  auto s = std::make_unique<products_csv>();
  s->delimiter = ';';
  s->quotechar = '\'';
  s->headers = {"sku", "name", "price"};
  s->start_urls = {server.url("/prices.csv")};
  auto result = run_finished_crawl(std::move(s));
  auto& spider = static_cast<products_csv&>(result.owner->target());
  spider.sort_by_sku();
  ASSERT_EQ(spider.rows.size(), 2u);
  EXPECT_EQ(spider.rows[0], (std::map<std::string, std::string>{{"sku", "B1"}, {"name", "x;y"}, {"price", "5"}}));
  EXPECT_EQ(spider.rows[1].at("name"), "plain");
}
