// A user's own pipeline and middleware, registered with the public macros and configured by their
// own setting: off for every crawl until ITEM_PIPELINES / DOWNLOADER_MIDDLEWARES names them.
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <atomic>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

ORBWEAVER_SETTING(TEST_MIN_PRICE, number, "0", "Items cheaper than this are dropped (user_components_test).");

std::atomic<int> pipeline_items{0};

class price_filter : public item_pipeline {
 public:
  bool open(crawler& c) override {
    min_price_ = c.config().get_double("TEST_MIN_PRICE");
    return true;
  }
  boost::asio::awaitable<void> process_item(item& it, spider&) override {
    ++pipeline_items;
    if (it.at("price").to_number<double>() < min_price_) throw drop_item("too cheap");
    co_return;
  }

 private:
  double min_price_ = 0;
};
ORBWEAVER_PIPELINE(price_filter, "test_price_filter");

class header_stamp : public downloader_middleware {
 public:
  awaitable<request_action> process_request(request& r, spider&) override {
    r.headers.set("X-Stamp", "user-middleware");
    co_return pass;
  }
};
ORBWEAVER_DOWNLOADER_MIDDLEWARE(header_stamp, "test_header_stamp");

class priced_pages : public spider {
 public:
  explicit priced_pages(std::string url) {
    name = "priced_pages";
    start_urls = {std::move(url)};
  }
  void parse(const response& r, output& out) override {
    for (double price : {1.0, 5.0, 10.0}) out.emit(item{{"price", price}, {"url", r.url()}});
  }
};

class UserComponents : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline_items = 0;
    server_.route("/", [this](const test_request& req) {
      if (auto stamp = req.headers.get("X-Stamp")) stamps_ = std::string(*stamp);
      return test_reply{.body = "<html></html>"};
    });
  }
  test_server server_;
  std::string stamps_;  // written on the server's thread, read after the crawl
};

TEST_F(UserComponents, OffUntilTheSettingNamesThem) {
  auto result = run_finished_crawl(std::make_unique<priced_pages>(server_.url("/")), {{"TEST_MIN_PRICE", "4"}});
  EXPECT_EQ(pipeline_items, 0);
  EXPECT_EQ(result.stats.get("item_scraped_count"), 3);
  EXPECT_EQ(stamps_, "");
}

TEST_F(UserComponents, EnabledByTheSettingAndConfiguredByTheirOwn) {
  auto result = run_finished_crawl(std::make_unique<priced_pages>(server_.url("/")),
                                   {{"ITEM_PIPELINES", "test_price_filter=300"},
                                    {"DOWNLOADER_MIDDLEWARES", "test_header_stamp=450"},
                                    {"TEST_MIN_PRICE", "4"}});
  EXPECT_EQ(pipeline_items, 3);
  EXPECT_EQ(result.stats.get("item_dropped_count"), 1);
  EXPECT_EQ(result.stats.get("item_scraped_count"), 2);
  EXPECT_EQ(stamps_, "user-middleware");
}

// Per spider: custom_settings turns the pipeline on for this spider only.
TEST_F(UserComponents, EnabledPerSpiderByCustomSettings) {
  auto s = std::make_unique<priced_pages>(server_.url("/"));
  s->custom_settings = {{"ITEM_PIPELINES", "test_price_filter=300"}, {"TEST_MIN_PRICE", "6"}};
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(pipeline_items, 3);
  EXPECT_EQ(result.stats.get("item_scraped_count"), 1);
}

}  // namespace
