// A crawl with the on-disk duplicate filter (the engine's default): thousands of duplicate links,
// every distinct page fetched once, and the filter's files live in a private temporary directory
// that is gone when the crawl is.
#include "crawl_runner.hpp"
#include "private_tmpdir.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>

using namespace orbweaver;
using namespace orbweaver::testing;
namespace fs = std::filesystem;

namespace {

constexpr int pages = 1500;
constexpr int links_per_page = 12;

class linked_pages_spider : public spider {
 public:
  explicit linked_pages_spider(fs::path tmp) : tmp_(std::move(tmp)) { name = "disk_dupefilter_probe"; }
  std::atomic<int> parsed{0};
  std::atomic<bool> filter_files_seen{false};
  std::mutex mutex;
  std::set<std::string> urls;  // guarded by mutex

  void parse(const response& r, output& out) override {
    ++parsed;
    {
      std::lock_guard lock(mutex);
      urls.insert(r.url());
    }
    for (const auto& e : fs::directory_iterator(tmp_))
      if (fs::exists(e.path() / "seen.sqlite")) filter_files_seen = true;
    out.follow_all(r.css("a::attr(href)"));
  }

 private:
  fs::path tmp_;
};

// Page i links to the next page (so all are reachable) and to pages spread over the site: each
// page is linked from about a dozen others.
test_reply page(int i) {
  std::string body = "<html><body>";
  body += fmt::format("<a href='/p/{}'>next</a>", (i + 1) % pages);
  for (int k = 1; k < links_per_page; ++k) body += fmt::format("<a href='/p/{}#k{}'>x</a>", (i * 7 + k * 131) % pages, k);
  return {.body = body + "</body></html>"};
}

TEST(DiskDupefilterCrawl, DropsDuplicatesAndKeepsEveryDistinctPage) {
  test_server server;
  for (int i = 0; i < pages; ++i)
    server.route("/p/" + std::to_string(i), [i](const test_request&) { return page(i); });

  // The crawl's temporary directory goes where TMPDIR says: a folder of this test's own.
  private_tmpdir tmp("disk-dupefilter-test");
  auto s = std::make_unique<linked_pages_spider>(tmp.path());
  auto* spy = s.get();
  spy->start_urls = {server.url("/p/0")};
  {
    auto result = run_finished_crawl(std::move(s), {{"CONCURRENT_REQUESTS", "8"}});

    EXPECT_TRUE(spy->filter_files_seen) << "the duplicate filter should keep its fingerprints on disk";
    EXPECT_EQ(spy->urls.size(), static_cast<std::size_t>(pages)) << "no distinct page may be dropped";
    // The start request is not filtered nor recorded (as in Scrapy): its URL is fetched once more.
    EXPECT_EQ(server.requests_served(), static_cast<std::size_t>(pages) + 1);
    EXPECT_EQ(spy->parsed, pages + 1);
    EXPECT_EQ(result.stats.get("dupefilter/filtered"), (pages + 1) * links_per_page - pages);
  }
  EXPECT_TRUE(fs::is_empty(tmp.path())) << "the filter's temporary directory should be removed with the crawl";
}

}  // namespace
