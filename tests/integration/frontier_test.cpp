// The per-slot frontier in whole crawls: a delayed host never holds the global concurrency that
// other hosts could use; DOWNLOAD_SLOTS and meta "download_slot" choose slots and their limits.
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

class list_spider : public spider {
 public:
  explicit list_spider(std::vector<request> requests) : requests_(std::move(requests)) { name = "list"; }
  std::vector<request> start_requests() override { return requests_; }
  void parse(const response&, output&) override {}

 private:
  std::vector<request> requests_;
};

// When each Host asked for a page, as the server saw it.
struct arrivals_by_host {
  std::mutex mutex;
  std::map<std::string, std::vector<clock_type::time_point>> times;

  test_handler recorder() {
    return [this](const test_request& r) {
      std::lock_guard lock(mutex);
      times[r.host.substr(0, r.host.rfind(':'))].push_back(clock_type::now());
      return test_reply{.body = "ok"};
    };
  }
  std::vector<clock_type::time_point> of(const std::string& host) {
    std::lock_guard lock(mutex);
    return times[host];
  }
};

std::vector<request> pages(const test_server& server, std::string_view host, std::string_view prefix, int n) {
  std::vector<request> out;
  for (int i = 0; i < n; ++i) out.emplace_back(server.url(fmt::format("{}{}", prefix, i), host));
  return out;
}

// Issue 10's fairness crawl: 200 pages on a slow host ("localhost", whose delay the test sets)
// asked for before 200 on a fast one ("127.0.0.1"), with CONCURRENT_REQUESTS=4. The fast host
// must go at full speed while the slow one keeps its pace; the crawl ends by `overrides`
// (CLOSESPIDER_PAGECOUNT once the slow host had a few pages, CLOSESPIDER_TIMEOUT when the fast
// host is held back).
void expect_fast_host_at_full_speed(const std::function<void(test_server&)>& more_routes,
                                    const setting_overrides& overrides) {
  test_server server;
  arrivals_by_host seen;
  more_routes(server);
  for (int i = 0; i < 200; ++i) {
    server.route("/slow/" + std::to_string(i), seen.recorder());
    server.route("/fast/" + std::to_string(i), seen.recorder());
  }
  auto requests = pages(server, "localhost", "/slow/", 200);
  auto fast = pages(server, "127.0.0.1", "/fast/", 200);
  requests.insert(requests.end(), fast.begin(), fast.end());
  setting_overrides settings{{"CONCURRENT_REQUESTS", "4"}, {"CLOSESPIDER_TIMEOUT", "15"}};
  settings.insert(settings.end(), overrides.begin(), overrides.end());

  auto started = clock_type::now();
  auto result = run_crawl(std::make_unique<list_spider>(std::move(requests)), settings);
  auto fast_times = seen.of("127.0.0.1");
  auto slow_times = seen.of("localhost");
  ASSERT_EQ(fast_times.size(), 200u) << "the fast host's pages did not all go before the close ("
                                     << result.reason << ", " << slow_times.size() << " slow pages)";
  EXPECT_LT(std::chrono::duration<double>(fast_times.back() - started).count(), 5.0)
      << "the fast host went at the slow host's pace";
  EXPECT_EQ(result.reason, "closespider_pagecount");
  ASSERT_GE(slow_times.size(), 2u);
  for (std::size_t i = 1; i < slow_times.size(); ++i)
    EXPECT_GE(slow_times[i] - slow_times[i - 1], 950ms) << "slow page " << i << ": the slow host lost its delay";
  EXPECT_EQ(result.stats.get("scheduler/pending_at_close") + result.stats.get("scheduler/dequeued"), 400);
}

}  // namespace

// scrapy#2638, #5511, #7293: the slow host's slot waits 1 s between starts (DOWNLOAD_SLOTS).
// Before the per-slot frontier its waiting requests took all four global transfers.
TEST(Frontier, DelayedHostDoesNotHoldGlobalConcurrency) {
  expect_fast_host_at_full_speed([](test_server&) {},
                                 {{"DOWNLOAD_SLOTS", R"({"localhost": {"delay": 1, "randomize_delay": false}})"},
                                  {"CLOSESPIDER_PAGECOUNT", "203"}});
}

// The same with the delay from robots.txt's Crawl-delay, which reaches the slot only after the
// first requests were handed out (this one also runs on a tree without DOWNLOAD_SLOTS).
TEST(Frontier, CrawlDelayedHostDoesNotHoldGlobalConcurrency) {
  auto robots = [](test_server& server) {
    server.route("/robots.txt", [](const test_request& r) {
      bool slow = r.host.starts_with("localhost");
      return test_reply{.headers = {{"Content-Type", "text/plain"}},
                        .body = slow ? "User-agent: *\nCrawl-delay: 1\n" : "User-agent: *\nAllow: /\n"};
    });
  };
  expect_fast_host_at_full_speed(robots, {{"ROBOTSTXT_OBEY", "true"},
                                          {"CLOSESPIDER_PAGECOUNT", "206"}});  // two robots.txt, 200 fast, 4 slow
}

// DOWNLOAD_SLOTS sets one host's concurrency; the other keeps CONCURRENT_REQUESTS_PER_DOMAIN.
TEST(Frontier, DownloadSlotsConcurrencyPerHost) {
  test_server server;
  for (int i = 0; i < 12; ++i)
    server.route("/p/" + std::to_string(i), [](const test_request&) { return test_reply{.body = "ok", .delay = 80ms}; });
  auto requests = pages(server, "localhost", "/p/", 12);
  auto other = pages(server, "127.0.0.1", "/p/", 12);
  requests.insert(requests.end(), other.begin(), other.end());
  auto result = run_finished_crawl(std::make_unique<list_spider>(std::move(requests)),
                                   {{"CONCURRENT_REQUESTS_PER_DOMAIN", "4"},
                                    {"DOWNLOAD_SLOTS", R"({"localhost": {"concurrency": 1}})"}});
  EXPECT_EQ(result.stats.get("downloader/response_count"), 24);
  EXPECT_EQ(server.peak_concurrency("localhost"), 1u);
  EXPECT_EQ(server.peak_concurrency("127.0.0.1"), 4u);
}

// Meta "download_slot" puts requests to two hosts into one slot, with its DOWNLOAD_SLOTS limit.
TEST(Frontier, MetaDownloadSlotSharesASlot) {
  test_server server;
  for (int i = 0; i < 6; ++i)
    server.route("/p/" + std::to_string(i), [](const test_request&) { return test_reply{.body = "ok", .delay = 50ms}; });
  auto requests = pages(server, "localhost", "/p/", 6);
  auto other = pages(server, "127.0.0.1", "/p/", 6);
  requests.insert(requests.end(), other.begin(), other.end());
  for (auto& r : requests) r.meta["download_slot"] = "shared";
  auto result = run_finished_crawl(std::make_unique<list_spider>(std::move(requests)),
                                   {{"DOWNLOAD_SLOTS", R"({"shared": {"concurrency": 2}})"}});
  EXPECT_EQ(result.stats.get("downloader/response_count"), 12);
  EXPECT_EQ(server.peak_concurrency(), 2u);
}
