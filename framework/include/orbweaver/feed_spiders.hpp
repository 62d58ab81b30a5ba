#pragma once
// Scrapy's XMLFeedSpider and CSVFeedSpider: spiders whose start URLs answer with an XML feed (RSS,
// Atom, a product feed) or a CSV file, parsed node by node or row by row.
//   class news : public orbweaver::xml_feed_spider {
//    public:
//     news() { name = "news"; start_urls = {"https://news.example/feed.xml"}; itertag = "item"; }
//     void parse_node(const orbweaver::response&, const orbweaver::selector& node, orbweaver::output& out) override {
//       out.emit(orbweaver::item{{"title", node.xpath("title/text()").get()}, {"link", node.css("link::text").get()}});
//     }
//   };
//   class prices : public orbweaver::csv_feed_spider {
//    public:
//     prices() { name = "prices"; start_urls = {"https://shop.example/prices.csv"}; delimiter = ';'; }
//     void parse_row(const orbweaver::response&, const std::map<std::string, std::string>& row,
//                    orbweaver::output& out) override { out.emit(orbweaver::item{{"sku", row.at("sku")}}); }
//   };
// What goes wrong is logged at WARNING and counted in the crawl's stats: "xmlfeed/invalid" (no XML),
// "xmlfeed/malformed" (broken XML; the nodes before the break are used), "csvfeed/ignored_rows" (a
// row whose length differs from the header's, as Scrapy's csviter skips it).
#include <orbweaver/spider.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace orbweaver {

class xml_feed_spider : public spider {
 public:
  // The name of the nodes to iterate over: "item" (in any namespace), or "prefix:name" for nodes
  // in the namespace that `namespaces` maps the prefix to (else the one the feed names so). The
  // feed is read as XML: no entity is expanded, nothing is fetched for a DTD.
  std::string itertag = "item";
  // prefix -> namespace URI for itertag's prefix, when the feed's own prefix may differ.
  std::vector<std::pair<std::string, std::string>> namespaces;

  // Calls parse_node() for each node, in document order.
  void parse(const response& r, output& out) override;
  // One node as a selector: node.xpath("title/text()"), node.css("link::text"). Inside a node,
  // names are local names in lower case with no namespace (<g:price> is "price", <pubDate> is
  // "pubdate"), the tree that css() and xpath() read on pages.
  virtual void parse_node(const response& r, const selector& node, output& out) = 0;
};

class csv_feed_spider : public spider {
 public:
  char delimiter = ',';
  char quotechar = '"';
  // Column names; empty: the first row holds them.
  std::vector<std::string> headers;

  // Calls parse_row() for each row with as many fields as there are headers.
  void parse(const response& r, output& out) override;
  virtual void parse_row(const response& r, const std::map<std::string, std::string>& row, output& out) = 0;
};

}  // namespace orbweaver
