// The fault-injection crawl: one spider over a hostile site (tests/support/fault_site.cpp) and its
// good pages. The crawl must finish on its own, within a memory bound, deliver every good page's
// item, count each failure under its own reason and log one line for each.
#include "crawl_runner.hpp"
#include "fault_site.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <algorithm>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

// What a first spider looks like: a title item from every page, and every link followed.
class naive_spider : public spider {
 public:
  naive_spider() { name = "hostile_web"; }
  std::mutex mutex;
  std::set<std::string> titles;  // guarded by mutex: callbacks run on the pool

  void parse(const response& r, output& out) override {
    const std::string title = r.css("title::text").get();
    if (!title.empty()) {
      out.emit(item{{"url", r.url()}, {"title", title}});
      std::lock_guard lock(mutex);
      titles.insert(title);
    }
    out.follow_all(r.css("a::attr(href)"));
  }
};

long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;  // KiB on Linux
}

#if defined(__SANITIZE_ADDRESS__)
constexpr long rss_bound_mib = 1024;  // shadow memory and quarantine
#else
constexpr long rss_bound_mib = 256;
#endif

std::size_t count_lines_with(const std::string& log, const std::string& needle) {
  std::size_t count = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);)
    if (line.find(needle) != std::string::npos) ++count;
  return count;
}

}  // namespace

TEST(FaultCrawl, HostileSiteFinishesWithEveryGoodItemAndEachFailureCounted) {
  test_server server;
  const fault_site site = serve_fault_site(server);
  auto s = std::make_unique<naive_spider>();
  auto* spy = s.get();
  spy->start_urls = site.start_urls;
  spy->allowed_domains = {"127.0.0.1"};

  const auto started = std::chrono::steady_clock::now();
  auto result = run_crawl_with_log(std::move(s), {{"DOWNLOAD_TIMEOUT", "1"},
                                                  {"DOWNLOAD_MAXSIZE", std::to_string(32 << 20)},
                                                  {"RETRY_BACKOFF_BASE", "0.05"},
                                                  {"LOG_LEVEL", "INFO"}});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string& log = result.log;
  const auto& stats = result.stats;
  std::cout << "fault crawl: " << seconds << " s, peak RSS " << peak_rss_mib() << " MiB\n"
            << stats.dump() << "\n";

  EXPECT_EQ(result.reason, "finished");
  EXPECT_LT(seconds, 60.0);
  EXPECT_LT(peak_rss_mib(), rss_bound_mib);

  // Every good page's item, and nothing else.
  std::set<std::string> expected;
  for (const auto& path : site.good_paths) expected.insert("good " + path);
  EXPECT_EQ(spy->titles, expected);
  EXPECT_EQ(stats.get("item_scraped_count"), static_cast<std::int64_t>(expected.size()));

  // Each failure under its own reason.
  // Three attempts each (RETRY_TIMES 2) for what may pass on another try: the stall; the reset,
  // truncated chunked body, short Content-Length and the close before answering; the status line.
  EXPECT_EQ(stats.get("downloader/exception_type_count/download_timeout"), 3);
  EXPECT_GE(stats.get("downloader/exception_type_count/connection_closed"), 12);
  EXPECT_GE(stats.get("downloader/exception_type_count/protocol_error"), 3);
  EXPECT_EQ(stats.get("retry/max_reached"), 6);
  // Once each for what would fail again: the 1 MB header line and the 10,000 fields, two bombs.
  EXPECT_EQ(stats.get("downloader/exception_type_count/header_too_large"), 2);
  EXPECT_EQ(stats.get("downloader/exception_type_count/body_too_large"), 2);
  EXPECT_EQ(stats.get("downloader/exception_type_count/redirect_loop"), 1);
  // The redirect, the IDN link as punycode, and "http:///no-host" (the host "no-host" to browsers).
  EXPECT_EQ(stats.get("offsite/filtered"), 3);
  EXPECT_EQ(stats.get("spider_exceptions/orbweaver::not_supported"), 3);  // binary, pdf, json
  EXPECT_EQ(stats.get("retry/reason_count/503 Service Unavailable"), 2);  // flaky, then good
  EXPECT_EQ(stats.get("urllength/request_ignored_count"), 2);  // start URL and link
  EXPECT_EQ(stats.get("spider/unfollowable_links/unsupported_scheme"), 5);  // javascript, mailto, data, tel, ftp
  EXPECT_EQ(stats.get("spider/unfollowable_links/bad_url"), 2);  // port 99999, [::1
  EXPECT_EQ(stats.get("scheduler/invalid_url/unsupported_scheme"), 2);  // javascript:, mailto:
  EXPECT_EQ(stats.get("scheduler/invalid_url/bad_url"), 3);  // port 65536, no scheme, space in host
  // Port 0 is a URL (WHATWG) that cannot be requested (Fetch's bad port): the link and the start URL.
  EXPECT_EQ(stats.get("downloader/exception_type_count/bad_url"), 2);

  // One log line per failed request, naming it and its reason.
  for (const std::string path : {"/reset-mid-body", "/stall-after-headers", "/truncated-chunked",
                                  "/content-length-short", "/gzip-bomb", "/gzip-bomb-nested",
                                  "/malformed-status", "/huge-header-line", "/many-headers",
                                  "/close-before-answer", "/binary", "/pdf", "/json"}) {
    EXPECT_EQ(count_lines_with(log, server.url(path) + ">"), 1u) << path;
  }
  for (const std::string path : {"/reset-mid-body", "/stall-after-headers", "/malformed-status"}) {
    EXPECT_EQ(count_lines_with(log, "Error downloading <GET " + server.url(path) + ">"), 1u) << path;
  }
  EXPECT_EQ(count_lines_with(log, "gave up after 3 attempts"), 6u);  // the six retried failures
  for (const std::string path : {"/huge-header-line", "/many-headers"})
    EXPECT_EQ(count_lines_with(log, "Error downloading <GET " + server.url(path) + ">: response header from"), 1u);
  for (const std::string path : {"/binary", "/pdf", "/json"})
    EXPECT_EQ(count_lines_with(log, "Spider error processing <GET " + server.url(path) + ">"), 1u) << path;
  if (HasFailure()) std::cout << "the crawl's log:\n" << log;
}
