// A crawl with a JOBDIR stopped and resumed in the test process: every item once in the feed and
// the SQLite store, every page fetched once, the start request never issued again, stats and the
// spider's state() continued; a callback done again after a crash skips the batches of outputs it
// had handed on. (Kills and faults of the disk: jobdir_kill_test.cpp, in a child process.)
#include "crawl_runner.hpp"
#include "private_tmpdir.hpp"
#include "test_server.hpp"

#include "storage/jobdir.hpp"
#include "storage/request_codec.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

using namespace orbweaver;
using namespace orbweaver::testing;
namespace fs = std::filesystem;

namespace {

constexpr int pages = 300;

// One item per page; each page links to the next three, so the frontier holds requests at any stop.
class chain_spider : public spider {
 public:
  chain_spider() { name = "jobdir_chain"; }
  void parse(const response& r, output& out) override {
    state().update("pages", [](json::value& v) { v = v.is_int64() ? v.as_int64() + 1 : 1; });
    out.emit(item{{"url", r.url()}});
    out.follow_all(r.css("a::attr(href)"));
  }
};

void serve_chain(test_server& server) {
  auto page = [](int i) {
    std::string body = "<html><body>";
    for (int k = 1; k <= 3; ++k)
      if (i + k <= pages) body += fmt::format("<a href='/p/{}'>x</a>", i + k);
    return test_reply{.body = body + "</body></html>"};
  };
  server.route("/", [page](const test_request&) { return page(0); });
  for (int i = 1; i <= pages; ++i) server.route("/p/" + std::to_string(i), [page, i](const test_request&) { return page(i); });
}

std::multiset<std::string> feed_urls(const fs::path& feed) {
  std::multiset<std::string> urls;
  std::istringstream in(read_file(feed));
  for (std::string line; std::getline(in, line);) urls.insert(std::string(json::parse(line).at("url").as_string()));
  return urls;
}

std::multiset<std::string> store_urls(const fs::path& db) {
  std::multiset<std::string> urls;
  sqlite3* handle = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  sqlite3_stmt* select = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(handle, "SELECT json_extract(data, '$.url') FROM items", -1, &select, nullptr), SQLITE_OK);
  while (sqlite3_step(select) == SQLITE_ROW) urls.insert(reinterpret_cast<const char*>(sqlite3_column_text(select, 0)));
  sqlite3_finalize(select);
  sqlite3_close(handle);
  return urls;
}

class JobdirResume : public ::testing::Test {
 protected:
  void SetUp() override { serve_chain(server_); }

  setting_overrides settings(std::vector<std::pair<std::string, std::string>> more = {}) const {
    setting_overrides s{{"JOBDIR", (tmp_.path() / "job").string()},
                        {"FEEDS", (tmp_.path() / "items.jsonl").string()},
                        {"STORE_URI", "sqlite:" + (tmp_.path() / "items.db").string()},
                        {"CONCURRENT_REQUESTS", "4"},
                        {"JOBDIR_CHECKPOINT_INTERVAL", "0.05"}};
    for (auto& m : more) s.push_back(std::move(m));
    return s;
  }
  std::unique_ptr<chain_spider> start_spider() const {
    auto s = std::make_unique<chain_spider>();
    s->start_urls = {server_.url("/")};
    return s;
  }

  test_server server_;
  private_tmpdir tmp_{"orbweaver-jobdir-test"};
};

TEST_F(JobdirResume, AStoppedCrawlResumesWhereItStoppedAndGivesEveryItemOnce) {
  {
    auto first = run_crawl(start_spider(), settings({{"CLOSESPIDER_ITEMCOUNT", "100"}}));
    ASSERT_EQ(first.reason, "closespider_itemcount");
    EXPECT_GE(first.stats.get("item_scraped_count"), 100);
    EXPECT_LT(first.stats.get("item_scraped_count"), pages + 1);
  }
  auto second = run_finished_crawl(start_spider(), settings());
  std::set<std::string> expected;
  expected.insert(server_.url("/"));
  for (int i = 1; i <= pages; ++i) expected.insert(server_.url("/p/" + std::to_string(i)));

  auto in_feed = feed_urls(tmp_.path() / "items.jsonl");
  auto in_store = store_urls(tmp_.path() / "items.db");
  EXPECT_EQ(in_feed.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(in_feed.begin(), in_feed.end()), expected);
  EXPECT_EQ(in_store.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(in_store.begin(), in_store.end()), expected);
  for (const auto& url : expected) {
    auto path = url.substr(server_.url("/").size() - 1);
    EXPECT_EQ(server_.arrivals(path).size(), 1u) << path << " fetched again";
  }
  // Stats and the spider's state go on from the first run's.
  EXPECT_EQ(second.stats.get("item_scraped_count"), static_cast<std::int64_t>(expected.size()));
  EXPECT_EQ(second.stats.get("store/items_written"), static_cast<std::int64_t>(expected.size()));
  EXPECT_EQ(second.stats.get("feedexport/item_count/jsonlines"), static_cast<std::int64_t>(expected.size()));
  auto& resumed = static_cast<chain_spider&>(second.owner->target());
  EXPECT_EQ(resumed.state().get("pages"), json::value(static_cast<std::int64_t>(expected.size())));

  // A finished JOBDIR has nothing left: a third run fetches nothing.
  auto served = server_.requests_served();
  auto third = run_finished_crawl(start_spider(), settings());
  EXPECT_EQ(server_.requests_served(), served);
  EXPECT_EQ(feed_urls(tmp_.path() / "items.jsonl").size(), expected.size());
}

TEST_F(JobdirResume, AJsonArrayFeedIsContinuedAndStaysOneArray) {
  auto feed = tmp_.path() / "items.json";
  auto overrides = settings({{"FEEDS", feed.string()}, {"FEED_OVERWRITE", "true"}});
  {
    auto first_settings = overrides;
    first_settings.emplace_back("CLOSESPIDER_ITEMCOUNT", "50");
    auto first = run_crawl(start_spider(), first_settings);
    ASSERT_EQ(first.reason, "closespider_itemcount");
  }
  auto second = run_finished_crawl(start_spider(), overrides);  // -O does not truncate a resumed feed
  auto items = json::parse(read_file(feed));
  ASSERT_TRUE(items.is_array());
  std::set<std::string> urls;
  for (const auto& it : items.as_array()) urls.insert(std::string(it.at("url").as_string()));
  EXPECT_EQ(items.as_array().size(), static_cast<std::size_t>(pages + 1));
  EXPECT_EQ(urls.size(), static_cast<std::size_t>(pages + 1));
}

// One page whose callback yields 2,500 items: three batches of output::batch_size.
class big_page_spider : public spider {
 public:
  big_page_spider() { name = "jobdir_big_page"; }
  void parse(const response&, output& out) override {
    for (int i = 0; i < 2500; ++i) out.emit(item{{"n", i}});
  }
};

TEST_F(JobdirResume, ACallbackDoneAgainSkipsTheBatchesItHandedOnBeforeACrash) {
  server_.route("/big", [](const test_request&) { return test_reply{.body = "<html></html>"}; });
  big_page_spider probe;
  {
    // What a crawl killed after the callback had handed on two batches leaves in its JOBDIR.
    storage::jobdir dir(tmp_.path() / "job", probe.name);
    storage::checkpoint_delta delta;
    auto id = dir.new_id();
    delta.added.emplace_back(id, *storage::encode_request(request(server_.url("/big"), {.dont_filter = true})));
    delta.progress.emplace_back(id, 2);
    delta.start_requests_issued = true;
    dir.commit(std::move(delta));
    dir.flush();
  }
  auto result = run_finished_crawl(std::make_unique<big_page_spider>(), settings());
  std::istringstream in(read_file(tmp_.path() / "items.jsonl"));
  std::vector<std::int64_t> numbers;
  for (std::string line; std::getline(in, line);) numbers.push_back(json::parse(line).at("n").as_int64());
  ASSERT_EQ(numbers.size(), 500u);
  EXPECT_EQ(numbers.front(), 2000);
  EXPECT_EQ(numbers.back(), 2499);
}

}  // namespace
