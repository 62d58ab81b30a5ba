// A crawl_spider with two rules over a shop on loopback: categories (followed, with a callback)
// and items (a callback, not followed). Every page is fetched once and goes to the callback of its
// kind; pages only linked from items are never reached; process_request drops what it refuses; a
// crawl with a JOBDIR stopped and resumed gives the pending requests back to their rule.
#include "crawl_runner.hpp"
#include "private_tmpdir.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>

using namespace orbweaver;
using namespace orbweaver::testing;
namespace fs = std::filesystem;

namespace {

constexpr int categories = 4;
constexpr int items_per_category = 30;

std::string item_path(int category, int n) { return fmt::format("/item/{}-{}", category, n); }

// "/" links to every category and to /about; a category links to its items, to the next category
// and to /category/hidden (which process_request refuses); an item links to /category/extra and
// /item/linked-from-item, which only a rule that follows item pages would reach.
void serve_shop(test_server& server) {
  server.route("/", [](const test_request&) {
    std::string body = "<html><body><a href='/about'>About</a>";
    for (int c = 1; c <= categories; ++c) body += fmt::format("<a href='/category/{0}'>Category {0}</a>", c);
    return test_reply{.body = body + "</body></html>"};
  });
  for (int c = 1; c <= categories; ++c)
    server.route(fmt::format("/category/{}", c), [c](const test_request&) {
      std::string body = fmt::format("<html><body><h1>Category {}</h1><ul>", c);
      for (int n = 1; n <= items_per_category; ++n)
        body += fmt::format("<li><a href='{}'>Item {}-{}</a></li>", item_path(c, n), c, n);
      body += fmt::format("</ul><a href='/category/{}'>next</a>", c % categories + 1);
      return test_reply{.body = body + "<a href='/category/hidden'>hidden</a></body></html>"};
    });
  for (int c = 1; c <= categories; ++c)
    for (int n = 1; n <= items_per_category; ++n)
      server.route(item_path(c, n), [c, n](const test_request&) {
        return test_reply{.body = fmt::format("<html><body><h1>Item {}-{}</h1><a href='/category/extra'>extra</a>"
                                              "<a href='/item/linked-from-item'>more</a></body></html>",
                                              c, n)};
      });
  for (const char* other : {"/about", "/category/hidden", "/category/extra", "/item/linked-from-item"})
    server.route(other, [](const test_request&) { return test_reply{.body = "<html><body>other</body></html>"}; });
}

class shop_spider : public crawl_spider {
 public:
  shop_spider() {
    name = "crawl_spider_shop";
    rules = {
        {.extractor = link_extractor({.allow = {"/category/"}}),
         .callback = "parse_category",
         .follow = true,
         .process_request = [](request r, const response&) -> std::optional<request> {
           if (r.url.ends_with("/hidden")) return std::nullopt;
           return r;
         }},
        {.extractor = link_extractor({.allow = {"/item/"}}), .callback = "parse_item", .cb_kwargs = {{"kind", "item"}}},
    };
  }
  void parse_start_url(const response& r, output& out) override { out.emit(item{{"kind", "start"}, {"url", r.url()}}); }
  void parse_category(const response& r, output& out) {
    out.emit(item{{"kind", "category"}, {"url", r.url()}, {"title", r.css("h1::text").get()}});
  }
  void parse_item(const response& r, output& out) {
    out.emit(item{{"kind", r.cb_kwarg<std::string>("kind")},
                  {"url", r.url()},
                  {"title", r.css("h1::text").get()},
                  {"link_text", r.meta_value<std::string>("link_text")}});
  }
};

ORBWEAVER_SPIDER(shop_spider, parse_category, parse_item);

// path -> kind, for every page the crawl should scrape.
std::map<std::string, std::string> expected_pages() {
  std::map<std::string, std::string> pages{{"/", "start"}};
  for (int c = 1; c <= categories; ++c) {
    pages[fmt::format("/category/{}", c)] = "category";
    for (int n = 1; n <= items_per_category; ++n) pages[item_path(c, n)] = "item";
  }
  return pages;
}

class CrawlSpiderCrawl : public ::testing::Test {
 protected:
  void SetUp() override { serve_shop(server_); }

  std::unique_ptr<shop_spider> start_spider() const {
    auto s = std::make_unique<shop_spider>();
    s->start_urls = {server_.url("/")};
    return s;
  }
  std::string path_of(const std::string& url) const { return url.substr(server_.url("/").size() - 1); }

  // The feed's items as path -> kind; each path must appear once.
  std::map<std::string, std::string> scraped(const fs::path& feed) const {
    std::map<std::string, std::string> pages;
    std::istringstream in(read_file(feed));
    for (std::string line; std::getline(in, line);) {
      const auto it = json::parse(line).as_object();
      const std::string path = path_of(std::string(it.at("url").as_string()));
      EXPECT_TRUE(pages.emplace(path, std::string(it.at("kind").as_string())).second) << path << " scraped twice";
      if (it.at("kind") == "item") {
        EXPECT_EQ(it.at("title"), json::value("Item " + path.substr(6))) << path;
        EXPECT_EQ(it.at("link_text"), json::value("Item " + path.substr(6))) << path;
      }
    }
    return pages;
  }

  void expect_each_page_fetched_once_and_no_other() const {
    for (const auto& [path, kind] : expected_pages()) EXPECT_EQ(server_.arrivals(path).size(), 1u) << path;
    EXPECT_EQ(server_.arrivals("/about").size(), 0u) << "no rule allows it";
    EXPECT_EQ(server_.arrivals("/category/hidden").size(), 0u) << "process_request dropped it";
    EXPECT_EQ(server_.arrivals("/category/extra").size(), 0u) << "the item rule does not follow";
    EXPECT_EQ(server_.arrivals("/item/linked-from-item").size(), 0u) << "the item rule does not follow";
  }

  test_server server_;
  private_tmpdir tmp_{"orbweaver-crawl-spider-test"};
};

TEST_F(CrawlSpiderCrawl, EveryPageOnceToTheCallbackOfItsRule) {
  const auto feed = tmp_.path() / "items.jsonl";
  auto result = run_finished_crawl(start_spider(), {{"FEEDS", feed.string()}});
  EXPECT_EQ(scraped(feed), expected_pages());
  expect_each_page_fetched_once_and_no_other();
  EXPECT_EQ(result.stats.get("item_scraped_count"), static_cast<std::int64_t>(expected_pages().size()));
}

TEST_F(CrawlSpiderCrawl, WithoutFollowingLinksOnlyTheStartPageIsScraped) {
  const auto feed = tmp_.path() / "items.jsonl";
  auto result = run_finished_crawl(start_spider(), {{"FEEDS", feed.string()}, {"CRAWLSPIDER_FOLLOW_LINKS", "false"}});
  EXPECT_EQ(scraped(feed), (std::map<std::string, std::string>{{"/", "start"}}));
  EXPECT_EQ(server_.requests_served(), 1u);
}

TEST_F(CrawlSpiderCrawl, AResumedJobdirGivesPendingRequestsBackToTheirRule) {
  const auto feed = tmp_.path() / "items.jsonl";
  const setting_overrides settings{{"JOBDIR", (tmp_.path() / "job").string()},
                                   {"FEEDS", feed.string()},
                                   {"CONCURRENT_REQUESTS", "2"},
                                   {"JOBDIR_CHECKPOINT_INTERVAL", "0.05"}};
  {
    auto stopped_settings = settings;
    stopped_settings.emplace_back("CLOSESPIDER_ITEMCOUNT", "20");
    auto first = run_crawl(start_spider(), stopped_settings);
    ASSERT_EQ(first.reason, "closespider_itemcount");
    ASSERT_LT(first.stats.get("item_scraped_count"), static_cast<std::int64_t>(expected_pages().size()) / 2)
        << "the first run must leave most pages pending";
    // Item requests of the rule with a callback were pending when it stopped: categories fetched
    // gave more item links than were fetched.
    std::size_t categories_fetched = 0, items_fetched = 0;
    for (const auto& [path, kind] : expected_pages()) {
      if (server_.arrivals(path).empty()) continue;
      categories_fetched += kind == "category";
      items_fetched += kind == "item";
    }
    ASSERT_GE(categories_fetched, 1u);
    ASSERT_LT(items_fetched, categories_fetched * items_per_category);
  }
  auto second = run_finished_crawl(start_spider(), settings);
  // Item pages requested in the first run and fetched in the second went to parse_item (kind
  // "item"), not to parse_start_url: their rule came back from the JOBDIR.
  EXPECT_EQ(scraped(feed), expected_pages());
  expect_each_page_fetched_once_and_no_other();
}

TEST_F(CrawlSpiderCrawl, AnUnknownCallbackInARuleStopsTheCrawlBeforeAnyRequest) {
  auto s = start_spider();
  s->rules[1].callback = "parse_items";
  EXPECT_THROW((void)run_crawl(std::move(s)), std::invalid_argument);
  EXPECT_EQ(server_.requests_served(), 0u);
}

}  // namespace
