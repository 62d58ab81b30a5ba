// A crawl whose frontier holds far more than its memory window (SCHEDULER_MEMORY_QUEUE_SIZE=50):
// thousands of loopback pages, each fetched exactly once, most requests through the disk, the
// spill's directory gone with the crawl; and a disk that fails mid-crawl closes it with an error.
#include "crawl_runner.hpp"
#include "private_tmpdir.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

using namespace orbweaver;
using namespace orbweaver::testing;
namespace fs = std::filesystem;

namespace {

constexpr int pages = 3000;
constexpr int links_per_page = 8;

class wide_site_spider : public spider {
 public:
  explicit wide_site_spider(fs::path tmp) : tmp_(std::move(tmp)) { name = "frontier_spill_probe"; }
  std::mutex mutex;
  std::map<std::string, int> parsed;  // guarded by mutex
  bool spill_seen = false;            // guarded by mutex

  void parse(const response& r, output& out) override {
    {
      std::lock_guard lock(mutex);
      ++parsed[r.url()];
      for (const auto& e : fs::directory_iterator(tmp_))
        if (fs::exists(e.path() / "requests.sqlite")) spill_seen = true;
    }
    out.follow_all(r.css("a::attr(href)"));
  }

 private:
  fs::path tmp_;
};

// Page i links to pages spread over the site, so the frontier soon holds thousands of requests.
test_reply page(int i) {
  std::string body = "<html><body>";
  for (int k = 1; k <= links_per_page; ++k) body += fmt::format("<a href='/p/{}'>x</a>", (i * 7 + k * 389) % pages);
  body += fmt::format("<a href='/p/{}'>next</a>", (i + 1) % pages);
  return {.body = body + "</body></html>"};
}

void serve_site(test_server& server) {
  for (int i = 0; i < pages; ++i) server.route("/p/" + std::to_string(i), [i](const test_request&) { return page(i); });
}

void every_page_once_through_the_disk(const char* order) {
  test_server server;
  serve_site(server);
  private_tmpdir tmp("frontier-spill-test");
  auto s = std::make_unique<wide_site_spider>(tmp.path());
  auto* spy = s.get();
  spy->start_urls = {server.url("/p/0")};
  {
    auto result = run_finished_crawl(std::move(s), {{"CONCURRENT_REQUESTS", "8"},
                                                    {"SCHEDULER_MEMORY_QUEUE_SIZE", "50"},
                                                    {"SCHEDULER_MEMORY_QUEUE", order}});
    EXPECT_EQ(spy->parsed.size(), static_cast<std::size_t>(pages));
    // The start URL comes again from a link (start requests are dont_filter); every other page once.
    for (const auto& [url, times] : spy->parsed)
      ASSERT_EQ(times, url == server.url("/p/0") ? 2 : 1) << url;
    EXPECT_EQ(server.requests_served(), static_cast<std::size_t>(pages) + 1);
    EXPECT_TRUE(spy->spill_seen) << "the frontier should have had requests on disk";
    auto to_disk = result.stats.get("scheduler/enqueued/disk");
    EXPECT_GT(to_disk, pages / 2) << "with 50 in memory most requests wait on disk";
    EXPECT_EQ(result.stats.get("scheduler/dequeued/disk"), to_disk);
    EXPECT_EQ(result.stats.get("scheduler/dequeued/memory"), pages + 1);
  }
  EXPECT_TRUE(fs::is_empty(tmp.path())) << "the spill's temporary directory should be removed with the crawl";
}

TEST(FrontierSpill, FifoCrawlGetsEveryPageOnceThroughTheDisk) { every_page_once_through_the_disk("fifo"); }

TEST(FrontierSpill, LifoCrawlGetsEveryPageOnceThroughTheDisk) { every_page_once_through_the_disk("lifo"); }

// A disk that refuses to grow (RLIMIT_FSIZE: writes past 256 KiB fail as on a full disk) stops
// the crawl with reason storage_error and an ERROR naming the failure, instead of a hang.
TEST(FrontierSpill, FailingDiskClosesTheCrawlWithAnError) {
  test_server server;
  serve_site(server);
  private_tmpdir tmp("frontier-spill-test");
  auto s = std::make_unique<wide_site_spider>(tmp.path());
  s->start_urls = {server.url("/p/0")};

  rlimit saved{};
  getrlimit(RLIMIT_FSIZE, &saved);
  auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead
  rlimit small = saved;
  small.rlim_cur = 256 * 1024;
  setrlimit(RLIMIT_FSIZE, &small);
  auto result = run_crawl_with_log(std::move(s), {{"LOG_LEVEL", "ERROR"}, {"SCHEDULER_MEMORY_QUEUE_SIZE", "50"}});
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);

  EXPECT_EQ(result.reason, storage_failure);
  EXPECT_EQ(result.stats.get("scheduler/storage_error"), 1);
  EXPECT_NE(result.log.find("The crawl's storage failed, closing the crawl"), std::string::npos) << result.log;
  EXPECT_EQ(result.log.find("Unexpected error"), std::string::npos) << result.log;
  EXPECT_LT(server.requests_served(), static_cast<std::size_t>(pages));
}

}  // namespace
