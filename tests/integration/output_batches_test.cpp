// A callback that yields many requests hands them on in batches while it runs (output.hpp): the
// spider middlewares, pipelines and scheduler see them before the callback returns, in yield
// order; an error midway keeps what was handed on; a double SIGINT stops a callback still
// yielding.
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

// What the recorder saw, on the reactor; the counters are read by callbacks on the pool.
struct seen_output {
  std::atomic<int> batches{0};
  std::atomic<std::size_t> requests{0};
  std::size_t largest_batch = 0;
  std::vector<long long> request_numbers;  // N of ".../N", in the order the batches came
  std::vector<long long> item_numbers;
  int sigint_at_batch = 0;  // send SIGINT when this batch and the one 3 later arrive (0: never)
};
seen_output seen;

long long number_after_last_slash(const std::string& url) { return std::stoll(url.substr(url.rfind('/') + 1)); }

class batch_recorder : public spider_middleware {
 public:
  awaitable<void> process_spider_output(const response* source, std::vector<request>& requests,
                                        std::vector<item>& items, spider&) override {
    if (!source) co_return;  // start requests
    int batch = ++seen.batches;
    seen.requests += requests.size();
    seen.largest_batch = std::max(seen.largest_batch, requests.size() + items.size());
    for (const auto& r : requests) seen.request_numbers.push_back(number_after_last_slash(r.url));
    for (const auto& it : items) seen.item_numbers.push_back(it.at("n").as_int64());
    if (seen.sigint_at_batch && (batch == seen.sigint_at_batch || batch == seen.sigint_at_batch + 3))
      ::kill(::getpid(), SIGINT);
  }
};
ORBWEAVER_SPIDER_MIDDLEWARE(batch_recorder, "test_batch_recorder");

// The start page yields `count` requests (and an item with each when `with_items`), then throws
// when `then_throw`.
class many_requests : public spider {
 public:
  many_requests(test_server& server, long long count) : server_(server), count_(count) {
    name = "many_requests";
    start_urls = {server.url("/")};
  }
  void parse(const response& r, output& out) override {
    if (!r.url().ends_with(":" + std::to_string(server_.port()) + "/")) return;
    for (long long i = 0; i < count_; ++i) {
      if (with_items) out.emit(item{{"n", i}});
      out.follow("/p/" + std::to_string(i));
      if (i + 1 == 5000) batches_after_5000 = seen.batches.load();
    }
    if (then_throw) throw std::runtime_error("midway");
    // The engine downloads what was handed on while this callback still runs.
    auto until = std::chrono::steady_clock::now() + 20s;
    while (server_.requests_served() < 3 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
    served_before_return = server_.requests_served();
  }

  bool with_items = false;
  bool then_throw = false;
  std::atomic<int> batches_after_5000{-1};
  std::atomic<std::size_t> served_before_return{0};

 private:
  test_server& server_;
  long long count_;
};

class OutputBatches : public ::testing::Test {
 protected:
  void SetUp() override {
    seen.batches = 0;
    seen.requests = 0;
    seen.largest_batch = 0;
    seen.request_numbers.clear();
    seen.item_numbers.clear();
    seen.sigint_at_batch = 0;
    server_.route("/", [](const test_request&) { return test_reply{.body = "<html></html>"}; });
  }
  static bool in_order_from_zero(const std::vector<long long>& numbers) {
    for (std::size_t i = 0; i < numbers.size(); ++i)
      if (numbers[i] != static_cast<long long>(i)) return false;
    return true;
  }

  test_server server_;  // /p/N answer 404: only their arrival matters
  const setting_overrides settings_{{"SPIDER_MIDDLEWARES", "test_batch_recorder=950"},
                                    {"CLOSESPIDER_PAGECOUNT", "10"}};
};

TEST_F(OutputBatches, TheSchedulerGetsRequestsWhileTheCallbackStillYields) {
  auto s = std::make_unique<many_requests>(server_, 200'000);
  auto* spider = s.get();
  auto result = run_crawl(std::move(s), settings_);
  EXPECT_EQ(result.reason, "closespider_pagecount");

  EXPECT_EQ(spider->batches_after_5000, 5) << "each batch of 1,000 is taken before the callback goes on";
  EXPECT_GE(spider->served_before_return, 3u) << "no download started before the callback returned";
  EXPECT_EQ(seen.requests, 200'000u);
  EXPECT_EQ(seen.largest_batch, output::batch_size);
  EXPECT_TRUE(in_order_from_zero(seen.request_numbers));
  EXPECT_EQ(result.stats.get("scheduler/enqueued"), 200'001);  // and the start request
}

TEST_F(OutputBatches, AnErrorMidwayKeepsWhatWasHandedOnAndIsReported) {
  auto s = std::make_unique<many_requests>(server_, 2'500);
  s->with_items = true;
  s->then_throw = true;
  auto result = run_crawl_with_log(std::move(s), [&] {
    auto overrides = settings_;
    overrides.emplace_back("LOG_LEVEL", "ERROR");
    return overrides;
  }());

  EXPECT_EQ(result.stats.get("spider_exceptions/count"), 1);
  EXPECT_EQ(result.stats.get("spider_exceptions/std::runtime_error"), 1);
  EXPECT_NE(result.log.find("Spider error processing <GET " + server_.url("/") + ">"), std::string::npos)
      << result.log;
  // Five whole batches went on while the callback ran; the 0 left when it threw too.
  EXPECT_EQ(seen.batches, 6);
  EXPECT_EQ(result.stats.get("item_scraped_count"), 2'500);
  EXPECT_EQ(result.stats.get("scheduler/enqueued"), 2'501);
  EXPECT_TRUE(in_order_from_zero(seen.item_numbers));
  EXPECT_TRUE(in_order_from_zero(seen.request_numbers));
}

TEST_F(OutputBatches, ASecondSigintStopsACallbackStillYielding) {
  seen.sigint_at_batch = 3;
  auto started = std::chrono::steady_clock::now();
  auto result = run_crawl(std::make_unique<many_requests>(server_, 100'000'000),
                          {{"SPIDER_MIDDLEWARES", "test_batch_recorder=950"}});
  EXPECT_EQ(result.reason, "shutdown");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 60s);
  EXPECT_LT(seen.batches, 1000) << "the callback went on after the crawl abandoned its work";
  EXPECT_EQ(result.stats.get("spider_exceptions/count"), 0) << "being stopped is not the callback's error";
}

}  // namespace
