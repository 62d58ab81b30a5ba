#pragma once
// A spider that follows links by rules (Scrapy's CrawlSpider):
//   class shop : public crawl_spider {
//    public:
//     shop() {
//       name = "shop";
//       start_urls = {"https://shop.example/"};
//       rules = {
//           {.extractor = link_extractor({.allow = {"/category/"}})},  // no callback: followed
//           {.extractor = link_extractor({.allow = {"/item/"}}), .callback = "parse_item"},
//       };
//     }
//     void parse_item(const response& r, output& out) { out.emit(item{{"name", r.css("h1::text").get()}}); }
//   };
//   ORBWEAVER_SPIDER(shop, parse_item);
//
// parse() applies the rules and cannot be overridden: the start pages (and any request without a
// callback) go to parse_start_url(), then every rule's links are followed. A page reached by a
// rule goes to the rule's callback, then, if the rule follows, the rules apply to it in turn. On
// one page a link taken by a rule is not taken by a later one. Requests carry the index of their
// rule in meta "rule" (and the link's text in "link_text"), so a crawl with a JOBDIR resumes
// them with their rule. CRAWLSPIDER_FOLLOW_LINKS=false turns following off for every rule.
#include <orbweaver/item.hpp>
#include <orbweaver/link_extractor.hpp>
#include <orbweaver/spider.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace orbweaver {

struct rule {
  link_extractor extractor{};  // the default one: every <a>/<area> link
  // A callback named by ORBWEAVER_SPIDER for the pages this rule reaches; empty: none.
  std::string callback{};
  json::object cb_kwargs{};  // given to each request of the rule (response::cb_kwarg)
  // Apply the rules to the pages reached; by default only when there is no callback, as Scrapy.
  std::optional<bool> follow{};
  // Sees the links the extractor kept for a page (those an earlier rule did not take) and
  // returns the ones to follow.
  std::function<std::vector<page_link>(std::vector<page_link>)> process_links{};
  // Sees each request the rule makes and the page it comes from; returns it (changed or not), or
  // nullopt to drop it.
  std::function<std::optional<request>(request, const response&)> process_request{};
  // An errback named by ORBWEAVER_SPIDER for the requests of this rule; empty: none.
  std::string errback{};

  bool follows() const { return follow.value_or(callback.empty()); }
};

class crawl_spider : public spider {
 public:
  // Set by the constructor or init(); read-only once the crawl starts. Names of callbacks and
  // errbacks are checked when the crawl starts: an unknown one stops it with a message.
  std::vector<rule> rules;

  // The start pages (requests without a callback): nothing by default.
  virtual void parse_start_url(const response& r, output& out);

  void parse(const response& r, output& out) final;
  // Reads CRAWLSPIDER_FOLLOW_LINKS and checks the rules; an override calls it first.
  void configure(const settings& s) override;

 private:
  void follow_rules(const response& r, output& out) const;
  void check_rules() const;

  bool follow_links_ = true;
};

}  // namespace orbweaver
