// crawl_spider's rules over pages built in the test: which callback a page goes to, the requests
// each rule makes (Scrapy's CrawlSpider, tests/test_spider.py's CrawlSpiderTest), and mistakes
// in rules caught before a crawl starts. A crawl over a site: tests/integration/crawl_spider_test.cpp.
#include <orbweaver/orbweaver.hpp>
#include <orbweaver/request_json.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace orbweaver;

// tests/test_spider.py's CrawlSpiderTest page.
const char* const scrapy_page = R"(<html><body>
    <div class='links'>
    <p><a href="/about.html">About us</a></p>
    </div>
    <div>
    <p><a href="/follow.html">Follow this link</a></p>
    </div>
    <div>
    <p><a href="/nofollow.html">Dont follow this one</a></p>
    </div>
    <div>
    <p><a href="/nofollow2.html">Choose to follow or not</a></p>
    </div>
    <div>
    <p><a href="http://example.org/somewhere/else.html">Somewhere else</a></p>
    </div>
    </body></html>)";

class rules_spider : public crawl_spider {
 public:
  rules_spider() { name = "crawl_spider_unit_test"; }
  void parse_start_url(const response& r, output& out) override { out.emit(item{{"start", r.url()}}); }
  void parse_item(const response& r, output& out) {
    out.emit(item{{"item", r.url()}, {"kind", r.cb_kwarg<std::string>("kind", "")}});
  }
  void on_error(const failure& f, output& out) { out.emit(item{{"error", f.req.url}}); }
};

ORBWEAVER_SPIDER(rules_spider, parse_item, on_error);

response page_at(std::string url, json::object meta = {}, std::string body = scrapy_page,
                 std::string type = "text/html") {
  request r(url);
  r.meta = std::move(meta);
  return response(std::move(r), url, 200, {{"Content-Type", std::move(type)}}, std::move(body));
}

// The crawl's settings as the crawler gives them to the spider.
void configure(crawl_spider& s, std::vector<std::pair<std::string, std::string>> overrides = {}) {
  settings config;
  for (const auto& [key, value] : overrides) config.set(key, value, setting_priority::command_line);
  s.configure(config);
}

std::vector<std::string> urls(const std::vector<request>& requests) {
  std::vector<std::string> out;
  for (const auto& r : requests) out.push_back(r.url);
  return out;
}

const std::string base = "http://example.com/index.html";

TEST(CrawlSpider, StartPagesGoToParseStartUrlThenEveryRuleIsFollowed) {
  rules_spider s;
  s.rules = {{.extractor = link_extractor({.allow = {"follow"}}), .callback = "parse_item", .cb_kwargs = {{"kind", "f"}},
              .errback = "on_error"},
             {.extractor = link_extractor({.allow = {"about", "follow"}})}};
  configure(s);
  auto page = page_at(base);
  output out(&page);
  s.parse(page, out);
  ASSERT_EQ(out.items().size(), 1u);
  EXPECT_EQ(out.items()[0], (item{{"start", base}}));
  // Rule 0 takes follow.html, nofollow.html and nofollow2.html; rule 1 only about.html, as
  // follow.html was taken by rule 0 (Scrapy's `seen`).
  ASSERT_EQ(urls(out.requests()),
            (std::vector<std::string>{"http://example.com/follow.html", "http://example.com/nofollow.html",
                                      "http://example.com/nofollow2.html", "http://example.com/about.html"}));
  const request& first = out.requests()[0];
  EXPECT_EQ(first.meta, (json::object{{"rule", 0}, {"link_text", "Follow this link"}}));
  EXPECT_EQ(first.cb_kwargs, (json::object{{"kind", "f"}}));
  EXPECT_FALSE(first.callback) << "rule requests come back to parse(), which finds their rule";
  EXPECT_EQ(first.callback_name, "");
  EXPECT_EQ(first.errback_name, "on_error");
  const request& last = out.requests()[3];
  EXPECT_EQ(last.meta, (json::object{{"rule", 1}, {"link_text", "About us"}}));
  EXPECT_TRUE(last.cb_kwargs.empty());
  EXPECT_FALSE(last.errback);
}

TEST(CrawlSpider, APageOfARuleGoesToItsCallbackAndFollowsOnlyWhenTheRuleDoes) {
  rules_spider s;
  s.rules = {{.extractor = link_extractor({.allow = {"nofollow"}}), .callback = "parse_item", .cb_kwargs = {{"kind", "a"}}},
             {.extractor = link_extractor({.allow = {"about"}}), .callback = "parse_item", .follow = true},
             {.extractor = link_extractor({.allow = {"example\\.org"}})}};
  configure(s);
  {
    // Rule 0 has a callback and no follow: its page gives an item and no requests.
    auto page = page_at("http://example.com/nofollow.html", {{"rule", 0}});
    output out(&page);
    s.parse(page, out);
    ASSERT_EQ(out.items().size(), 1u);
    EXPECT_EQ(out.items()[0], (item{{"item", "http://example.com/nofollow.html"}, {"kind", ""}}));
    EXPECT_TRUE(out.requests().empty());
  }
  {
    // Rule 1 follows: the item, then every rule's links.
    auto page = page_at("http://example.com/about.html", {{"rule", 1}});
    output out(&page);
    s.parse(page, out);
    ASSERT_EQ(out.items().size(), 1u);
    EXPECT_EQ(out.items()[0].at("item"), "http://example.com/about.html");
    EXPECT_EQ(urls(out.requests()),
              (std::vector<std::string>{"http://example.com/nofollow.html", "http://example.com/nofollow2.html",
                                        "http://example.com/about.html", "http://example.org/somewhere/else.html"}));
  }
  {
    // Rule 2 has no callback: it follows and gives nothing itself. On example.org, it takes
    // follow.html too.
    auto page = page_at("http://example.org/somewhere/else.html", {{"rule", 2}});
    output out(&page);
    s.parse(page, out);
    EXPECT_TRUE(out.items().empty());
    EXPECT_EQ(urls(out.requests()),
              (std::vector<std::string>{"http://example.org/nofollow.html", "http://example.org/nofollow2.html",
                                        "http://example.org/about.html", "http://example.org/follow.html",
                                        "http://example.org/somewhere/else.html"}));
  }
  EXPECT_TRUE(s.rules[0].follows() == false && s.rules[1].follows() && s.rules[2].follows());
}

TEST(CrawlSpider, ProcessLinksAndProcessRequestChangeOrDropWhatARuleFollows) {
  rules_spider s;
  std::vector<std::string> referers;
  s.rules = {{.extractor = link_extractor({.allow = {"follow"}}),
              .process_links =
                  [](std::vector<page_link> links) {
                    std::erase_if(links, [](const page_link& l) { return l.url.ends_with("nofollow.html"); });
                    return links;
                  },
              .process_request = [&referers](request r, const response& from) -> std::optional<request> {
                referers.push_back(from.url());
                if (r.url.ends_with("nofollow2.html")) return std::nullopt;
                r.priority = 5;
                r.meta["tagged"] = true;
                return r;
              }},
             // What rule 0's process_links dropped is not "taken": this rule may follow it.
             {.extractor = link_extractor({.allow = {"nofollow"}})}};
  configure(s);
  auto page = page_at(base);
  output out(&page);
  s.parse(page, out);
  ASSERT_EQ(urls(out.requests()),
            (std::vector<std::string>{"http://example.com/follow.html", "http://example.com/nofollow.html"}));
  EXPECT_EQ(out.requests()[0].priority, 5);
  EXPECT_EQ(out.requests()[0].meta.at("tagged"), true);
  EXPECT_EQ(out.requests()[1].meta.at("rule"), 1);
  EXPECT_EQ(referers, (std::vector<std::string>{base, base}));
}

// test_follow_links_attribute_population / CRAWLSPIDER_FOLLOW_LINKS
TEST(CrawlSpider, FollowLinksSettingOffFollowsNothing) {
  rules_spider s;
  s.rules = {{.extractor = link_extractor()}};
  configure(s, {{"CRAWLSPIDER_FOLLOW_LINKS", "false"}});
  auto page = page_at(base);
  output out(&page);
  s.parse(page, out);
  EXPECT_EQ(out.items().size(), 1u);
  EXPECT_TRUE(out.requests().empty());
}

TEST(CrawlSpider, OnlyHtmlPagesAreFollowed) {
  rules_spider s;
  s.rules = {{.extractor = link_extractor()}};
  configure(s);
  auto page = page_at(base, {}, R"(<?xml version="1.0"?><r><a href="/x">x</a></r>)", "text/xml");
  output out(&page);
  s.parse(page, out);
  EXPECT_TRUE(out.requests().empty());
}

TEST(CrawlSpider, RequestsKeepTheirRuleThroughJson) {
  rules_spider s;
  s.rules = {{.extractor = link_extractor({.allow = {"about"}}),
              .callback = "parse_item",
              .cb_kwargs = {{"kind", "k"}},
              .errback = "on_error"}};
  configure(s);
  auto page = page_at(base);
  output out(&page);
  s.parse(page, out);
  ASSERT_EQ(out.requests().size(), 1u);
  const request back = request_from_json(json::parse(json::serialize(to_json(out.requests()[0]))), s);
  EXPECT_EQ(back.meta.at("rule"), 0);
  EXPECT_EQ(back.errback_name, "on_error");
  response fetched(back, back.url, 200, {{"Content-Type", "text/html"}}, "<p>about</p>");
  output again(&fetched);
  s.parse(fetched, again);
  EXPECT_EQ(again.items(), (std::vector<item>{item{{"item", "http://example.com/about.html"}, {"kind", "k"}}}));
  failure f{back, make_error_code(errc::http_error), "x"};
  output failed;
  back.errback(s, f, failed);
  EXPECT_EQ(failed.items().at(0), (item{{"error", "http://example.com/about.html"}}));
}

TEST(CrawlSpider, MistakesInRulesStopTheCrawlBeforeItStarts) {
  auto message = [](rule r) {
    rules_spider s;
    s.rules = {rule{}, std::move(r)};
    try {
      configure(s);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({.callback = "parse_itme"}),
            "spider 'crawl_spider_unit_test': rule 1 names the callback \"parse_itme\", which ORBWEAVER_SPIDER does not "
            "declare");
  EXPECT_EQ(message({.errback = "on_eror"}),
            "spider 'crawl_spider_unit_test': rule 1 names the errback \"on_eror\", which ORBWEAVER_SPIDER does not "
            "declare");
  EXPECT_NE(message({.callback = "parse"}).find("rule 1 has the callback \"parse\", which applies the rules"),
            std::string::npos);
  EXPECT_EQ(message({.callback = "parse_item", .errback = "on_error"}), "no error");

  // A request whose rule is not there (the rules changed between two runs of a JOBDIR).
  rules_spider s;
  configure(s);
  auto page = page_at(base, {{"rule", 3}});
  output out(&page);
  EXPECT_THROW(s.parse(page, out), value_error);
}

}  // namespace
