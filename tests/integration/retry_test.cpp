// The retry middleware in whole crawls against the in-process server.
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>


#include <atomic>
#include <mutex>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

class status_spider : public spider {
 public:
  status_spider() { name = "retry_probe"; }
  std::vector<request> requests;  // start requests; empty: start_urls
  std::mutex mutex;
  std::vector<int> statuses;  // guarded by mutex: callbacks run on the pool
  std::atomic<int> errbacks{0};

  std::vector<request> start_requests() override {
    if (requests.empty()) return spider::start_requests();
    for (auto& r : requests)
      r.errback = [](spider& s, const failure&, output&) { ++static_cast<status_spider&>(s).errbacks; };
    return requests;
  }
  void parse(const response& r, output&) override {
    std::lock_guard lock(mutex);
    statuses.push_back(r.status());
  }
};

// Answers `failures` times with `failure`, then 200.
test_handler failing_then_ok(int failures, test_reply failure) {
  auto count = std::make_shared<std::atomic<int>>(0);
  return [=](const test_request&) { return ++*count <= failures ? failure : test_reply{.body = "ok"}; };
}

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

TEST(RetryCrawl, ServiceUnavailableTwiceThenSuccess) {
  test_server server;
  server.route("/flaky", failing_then_ok(2, {.status = 503}));
  auto s = std::make_unique<status_spider>();
  auto* spy = s.get();
  spy->start_urls = {server.url("/flaky")};
  auto result = run_finished_crawl(std::move(s));

  EXPECT_EQ(spy->statuses, std::vector<int>{200});
  EXPECT_EQ(server.requests_served(), 3u);
  EXPECT_EQ(result.stats.get("retry/count"), 2);
  EXPECT_EQ(result.stats.get("retry/reason_count/503 Service Unavailable"), 2);
  EXPECT_EQ(result.stats.get("retry/max_reached"), 0);
}

TEST(RetryCrawl, GivesUpAfterRetryTimesAndPassesTheResponseOn) {
  test_server server;
  server.route("/down", [](const test_request&) { return test_reply{.status = 503}; });
  auto s = std::make_unique<status_spider>();
  auto* spy = s.get();
  spy->start_urls = {server.url("/down")};
  auto result = run_finished_crawl(std::move(s));

  EXPECT_EQ(server.requests_served(), 3u) << "RETRY_TIMES (2) + 1 attempts";
  EXPECT_EQ(result.stats.get("retry/count"), 2);
  EXPECT_EQ(result.stats.get("retry/max_reached"), 1);
  EXPECT_EQ(result.stats.get("httperror/response_ignored_status_count/503"), 1) << "the last response goes on";
  EXPECT_TRUE(spy->statuses.empty());
}

TEST(RetryCrawl, GiveUpIsLoggedOnceAsAnError) {
  test_server server;
  server.route("/down", [](const test_request&) { return test_reply{.status = 503}; });
  auto s = std::make_unique<status_spider>();
  s->start_urls = {server.url("/down")};
  auto result = run_crawl_with_log(std::move(s), {{"LOG_LEVEL", "DEBUG"}});
  EXPECT_EQ(result.reason, "finished");
  const std::string& log = result.log;

  const std::string gave_up = "[retry] ERROR: Gave up retrying <GET " + server.url("/down") +
                              "> (failed 3 times): 503 Service Unavailable";
  auto first = log.find(gave_up);
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find(gave_up, first + 1), std::string::npos) << "logged once";
  EXPECT_NE(log.find("[retry] DEBUG: Retrying <GET " + server.url("/down") + "> (failed 2 times)"),
            std::string::npos);
}

TEST(RetryCrawl, RequestMetaOverridesAndOptsOut) {
  test_server server;
  server.route("/five", [](const test_request&) { return test_reply{.status = 500}; });
  server.route("/never", [](const test_request&) { return test_reply{.status = 500}; });
  auto s = std::make_unique<status_spider>();
  s->requests.emplace_back(server.url("/five"));
  s->requests.back().meta["max_retry_times"] = 4;
  s->requests.emplace_back(server.url("/never"));
  s->requests.back().meta["dont_retry"] = true;
  auto result = run_finished_crawl(std::move(s));

  EXPECT_EQ(server.arrivals("/five").size(), 5u);
  EXPECT_EQ(server.arrivals("/never").size(), 1u);
  EXPECT_EQ(result.stats.get("retry/max_reached"), 1);
}

TEST(RetryCrawl, TimeoutsAreRetriedThenTheErrorPassesOn) {
  test_server server;
  server.route("/stall", [](const test_request&) { return test_reply{.body = "late", .delay = 3s}; });
  auto s = std::make_unique<status_spider>();
  auto* spy = s.get();
  s->requests.emplace_back(server.url("/stall"));
  auto result = run_finished_crawl(std::move(s), {{"DOWNLOAD_TIMEOUT", "0.3"}});

  EXPECT_EQ(server.arrivals("/stall").size(), 3u);
  EXPECT_EQ(result.stats.get("retry/reason_count/download_timeout"), 2);
  EXPECT_EQ(result.stats.get("retry/max_reached"), 1);
  EXPECT_EQ(result.stats.get("downloader/exception_type_count/download_timeout"), 3);
  EXPECT_EQ(spy->errbacks, 1) << "the errback hears of the final failure once";
}

TEST(RetryCrawl, RetryAfterDelaysTheRetry) {
  test_server server;
  http_headers later{{"Retry-After", "1"}};
  server.route("/busy", failing_then_ok(1, {.status = 429, .headers = later}));
  auto s = std::make_unique<status_spider>();
  auto* spy = s.get();
  spy->start_urls = {server.url("/busy")};
  auto result = run_finished_crawl(std::move(s));

  auto arrivals = server.arrivals("/busy");
  ASSERT_EQ(arrivals.size(), 2u);
  EXPECT_GE(seconds_between(arrivals[0], arrivals[1]), 1.0);
  EXPECT_EQ(spy->statuses, std::vector<int>{200});
}

TEST(RetryCrawl, RetryAfterIsCappedByBackoffMax) {
  test_server server;
  http_headers much_later{{"Retry-After", "3600"}};
  server.route("/busy", failing_then_ok(1, {.status = 503, .headers = much_later}));
  auto s = std::make_unique<status_spider>();
  s->start_urls = {server.url("/busy")};
  auto started = std::chrono::steady_clock::now();
  auto result = run_finished_crawl(std::move(s), {{"RETRY_BACKOFF_MAX", "0.2"}});

  EXPECT_LT(seconds_between(started, std::chrono::steady_clock::now()), 5.0);
  EXPECT_EQ(server.arrivals("/busy").size(), 2u);
}

TEST(RetryCrawl, BackoffGrowsBetweenAttempts) {
  test_server server;
  server.route("/down", [](const test_request&) { return test_reply{.status = 502}; });
  auto s = std::make_unique<status_spider>();
  s->start_urls = {server.url("/down")};
  auto result = run_finished_crawl(std::move(s), {{"RETRY_BACKOFF_BASE", "0.2"}});

  auto arrivals = server.arrivals("/down");
  ASSERT_EQ(arrivals.size(), 3u);
  EXPECT_GE(seconds_between(arrivals[0], arrivals[1]), 0.1) << "at least half of 0.2 s";
  EXPECT_GE(seconds_between(arrivals[1], arrivals[2]), 0.2) << "at least half of 0.4 s";
}

TEST(RetryCrawl, DisabledMeansOneAttempt) {
  test_server server;
  server.route("/down", [](const test_request&) { return test_reply{.status = 503}; });
  auto s = std::make_unique<status_spider>();
  s->start_urls = {server.url("/down")};
  auto result = run_finished_crawl(std::move(s), {{"RETRY_ENABLED", "false"}});

  EXPECT_EQ(server.requests_served(), 1u);
  EXPECT_EQ(result.stats.get("retry/count"), 0);
}

TEST(RetryCrawl, DroppedConnectionsAreRetried) {
  test_server server;
  server.route("/hangup", failing_then_ok(2, {.drop = true}));
  auto s = std::make_unique<status_spider>();
  auto* spy = s.get();
  spy->start_urls = {server.url("/hangup")};
  auto result = run_finished_crawl(std::move(s));

  EXPECT_EQ(spy->statuses, std::vector<int>{200});
  EXPECT_EQ(result.stats.get("retry/count"), 2);
  EXPECT_EQ(result.stats.get("retry/reason_count/connection_closed"), 2);
}

TEST(RetryCrawl, ClosingCutsABackoffShortAndCancelsTheRequest) {
  test_server server;
  server.route("/down", [](const test_request&) { return test_reply{.status = 503}; });
  auto s = std::make_unique<status_spider>();
  auto* spy = s.get();
  s->requests.emplace_back(server.url("/down"));
  auto started = std::chrono::steady_clock::now();
  // The first retry would wait 5 to 10 s.
  auto result = run_crawl(std::move(s), {{"RETRY_BACKOFF_BASE", "10"}, {"CLOSESPIDER_TIMEOUT", "1"}});

  EXPECT_EQ(result.reason, "closespider_timeout");
  EXPECT_LT(seconds_between(started, std::chrono::steady_clock::now()), 2.0);
  EXPECT_EQ(server.arrivals("/down").size(), 1u);
  EXPECT_EQ(result.stats.get("retry/cancelled"), 1);
  EXPECT_EQ(result.stats.get("retry/count"), 0) << "no retry was sent";
  EXPECT_EQ(result.stats.get("downloader/exception_type_count/cancelled"), 1);
  EXPECT_EQ(spy->errbacks, 1);
  EXPECT_TRUE(spy->statuses.empty());
}

TEST(RetryCrawl, ClosingCutsTheBackoffOfATransportErrorShortToo) {
  test_server server;
  server.route("/hangup", [](const test_request&) { return test_reply{.drop = true}; });
  auto s = std::make_unique<status_spider>();
  auto* spy = s.get();
  s->requests.emplace_back(server.url("/hangup"));
  auto started = std::chrono::steady_clock::now();
  auto result = run_crawl(std::move(s), {{"RETRY_BACKOFF_BASE", "10"}, {"CLOSESPIDER_TIMEOUT", "1"}});

  EXPECT_EQ(result.reason, "closespider_timeout");
  EXPECT_LT(seconds_between(started, std::chrono::steady_clock::now()), 2.0);
  EXPECT_EQ(result.stats.get("retry/cancelled"), 1);
  EXPECT_EQ(result.stats.get("downloader/exception_type_count/connection_closed"), 1);
  EXPECT_EQ(result.stats.get("downloader/exception_type_count/cancelled"), 1);
  EXPECT_EQ(spy->errbacks, 1) << "the errback hears of the cancellation once";
}
