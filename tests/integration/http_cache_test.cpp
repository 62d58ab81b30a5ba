// The HTTP cache in whole crawls against the in-process server: a crawl run again is answered from
// the cache without a request (the server counts them), expiration, ignored codes, dont_cache,
// rfc2616 revalidation with 304, a damaged entry.
#include "crawl_runner.hpp"
#include "gzip.hpp"
#include "static_site.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

namespace fs = std::filesystem;

// What the spider saw of one response.
struct seen {
  std::string url;
  int status;
  std::string body;
  std::vector<std::string> flags;
};

class cache_probe : public spider {
 public:
  explicit cache_probe(std::vector<request> starts) : starts_(std::move(starts)) {
    name = "cache_probe";
    custom_settings = {{"HTTPERROR_ALLOW_ALL", "true"}};
  }
  std::vector<request> start_requests() override { return starts_; }
  void parse(const response& r, output&) override {
    std::lock_guard lock(mutex_);
    responses_.push_back({r.url(), r.status(), r.body(), r.flags()});
  }
  std::vector<seen> responses() {
    std::lock_guard lock(mutex_);
    auto sorted = responses_;
    std::sort(sorted.begin(), sorted.end(), [](const seen& a, const seen& b) { return a.url < b.url; });
    return sorted;
  }

 private:
  std::vector<request> starts_;
  std::mutex mutex_;
  std::vector<seen> responses_;
};

std::vector<request> requests_for(const std::vector<std::string>& urls) {
  std::vector<request> out;
  for (const auto& u : urls) out.emplace_back(u);
  return out;
}

// A cache folder of the test's own, removed at the end.
class cache_folder {
 public:
  explicit cache_folder(std::string_view test)
      : path_(fs::temp_directory_path() / fmt::format("orbweaver-httpcache-{}-{}", test, ::getpid())) {
    fs::remove_all(path_);
  }
  ~cache_folder() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  setting_overrides settings(setting_overrides more = {}) const {
    more.emplace_back("HTTPCACHE_ENABLED", "true");
    more.emplace_back("HTTPCACHE_DIR", path_.string());
    return more;
  }
  std::vector<fs::path> entries() const {
    std::vector<fs::path> found;
    if (fs::exists(path_))
      for (const auto& e : fs::recursive_directory_iterator(path_))
        if (e.is_regular_file()) found.push_back(e.path());
    return found;
  }

 private:
  fs::path path_;
};

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

TEST(HttpCache, TheSecondCrawlOfTheSampleSiteMakesNoRequestAndScrapesTheSameItems) {
  const fs::path source = ORBWEAVER_SOURCE_DIR;
  test_server server;
  serve_directory(server, source / "sample_site" / "www");
  cache_folder cache("books");
  std::vector<std::string> feeds;
  std::vector<std::size_t> served;
  for (int run = 0; run < 2; ++run) {
    auto s = create_spider("books");
    ASSERT_TRUE(s);
    s->args["url"] = server.url("/");
    const fs::path feed = cache.path().parent_path() / fmt::format("orbweaver-httpcache-books-{}-{}.jsonl", ::getpid(), run);
    fs::remove(feed);
    auto result = run_finished_crawl(std::move(s), cache.settings({{"FEEDS", feed.string()}}));
    feeds.push_back(read_file(feed));
    fs::remove(feed);
    served.push_back(server.requests_served());
    if (run == 0) {
      EXPECT_EQ(result.stats.get("httpcache/miss"), 39);
      EXPECT_EQ(result.stats.get("httpcache/firsthand"), 39);
      EXPECT_EQ(result.stats.get("httpcache/store"), 39);
      EXPECT_EQ(result.stats.get("httpcache/hit"), 0);
    } else {
      EXPECT_EQ(result.stats.get("httpcache/hit"), 39);
      EXPECT_EQ(result.stats.get("httpcache/miss"), 0);
      EXPECT_EQ(result.stats.get("httpcache/store"), 0);
      EXPECT_EQ(result.stats.get("downloader/request_count"), 0);
      EXPECT_EQ(result.stats.get("downloader/response_count"), 39) << "cached pages count, as in Scrapy";
      EXPECT_EQ(result.stats.get("downloader/response_status_count/200"), 38);
      EXPECT_EQ(result.stats.get("item_scraped_count"), 30);
      EXPECT_EQ(result.stats.get("httperror/response_ignored_status_count/404"), 1) << "the cached 404 too";
    }
  }
  EXPECT_EQ(served[0], 39u);
  EXPECT_EQ(served[1], served[0]) << "the second crawl asked the server nothing";
  EXPECT_EQ(sorted_lines(feeds[1]), sorted_lines(feeds[0]));
  EXPECT_EQ(sorted_lines(feeds[0]).size(), 30u);
  EXPECT_EQ(cache.entries().size(), 39u) << "one file per response, nothing else";
  for (const auto& entry : cache.entries()) {
    EXPECT_EQ(entry.parent_path().parent_path(), cache.path() / "books");
    EXPECT_EQ(entry.parent_path().filename().string(), entry.filename().string().substr(0, 2));
  }
}

// Cached responses count as pages (as Scrapy's DownloaderStats counts them), so a run from the
// cache stops at CLOSESPIDER_PAGECOUNT as a run from the network does.
TEST(HttpCache, ARunFromTheCacheStopsAtThePageCount) {
  const fs::path source = ORBWEAVER_SOURCE_DIR;
  test_server server;
  serve_directory(server, source / "sample_site" / "www");
  cache_folder cache("pagecount");
  for (int run = 0; run < 2; ++run) {
    auto s = create_spider("books");
    ASSERT_TRUE(s);
    s->args["url"] = server.url("/");
    auto result = run_crawl(std::move(s), cache.settings({{"CLOSESPIDER_PAGECOUNT", run == 0 ? "0" : "5"}}));
    EXPECT_EQ(result.stats.get("httpcache/hit") > 0, run == 1);
    if (run == 1) {
      EXPECT_EQ(result.reason, "closespider_pagecount");
      EXPECT_EQ(result.stats.get("downloader/request_count"), 0);
      EXPECT_LT(result.stats.get("httpcache/hit"), 39) << "stopped before the whole cache was read";
    }
  }
}

TEST(HttpCache, CachedResponsesCarryTheCachedFlagShownInTheCrawledLine) {
  test_server server;
  server.route("/zipped", [](const test_request&) {
    return test_reply{.headers = {{"Content-Encoding", "gzip"}}, .body = gzip("<p>unzipped</p>")};
  });
  cache_folder cache("flag");
  const std::string url = server.url("/zipped");
  auto first = std::make_unique<cache_probe>(requests_for({url}));
  auto* one = first.get();
  auto run1 = run_crawl_with_log(std::move(first), cache.settings({{"LOG_LEVEL", "DEBUG"}}));
  ASSERT_EQ(one->responses().size(), 1u);
  EXPECT_TRUE(one->responses()[0].flags.empty());
  EXPECT_NE(run1.log.find(fmt::format("Crawled (200) <GET {}>\n", url)), std::string::npos) << run1.log;

  auto second = std::make_unique<cache_probe>(requests_for({url}));
  auto* two = second.get();
  auto run2 = run_crawl_with_log(std::move(second), cache.settings({{"LOG_LEVEL", "DEBUG"}}));
  ASSERT_EQ(two->responses().size(), 1u);
  EXPECT_EQ(two->responses()[0].flags, std::vector<std::string>{"cached"});
  EXPECT_EQ(two->responses()[0].body, "<p>unzipped</p>") << "stored as sent, decoded on the way out";
  EXPECT_NE(run2.log.find(fmt::format("Crawled (200) <GET {}> ['cached']\n", url)), std::string::npos) << run2.log;
  EXPECT_EQ(server.requests_served(), 1u);
}

TEST(HttpCache, ExpiredEntriesAreFetchedAgain) {
  test_server server;
  std::atomic<int> version{0};
  server.route("/page", [&](const test_request&) { return test_reply{.body = fmt::format("v{}", ++version)}; });
  cache_folder cache("expiry");
  const auto overrides = cache.settings({{"HTTPCACHE_EXPIRATION_SECS", "3600"}});
  const std::string url = server.url("/page");
  auto crawl = [&] {
    auto s = std::make_unique<cache_probe>(requests_for({url}));
    auto* probe = s.get();
    auto result = run_finished_crawl(std::move(s), overrides);
    return std::pair(probe->responses().at(0).body, result.stats.get("httpcache/hit"));
  };
  EXPECT_EQ(crawl(), std::pair(std::string("v1"), std::int64_t{0}));
  EXPECT_EQ(crawl(), std::pair(std::string("v1"), std::int64_t{1})) << "an hour has not passed";
  for (const auto& entry : cache.entries())
    fs::last_write_time(entry, fs::file_time_type::clock::now() - std::chrono::hours(2));
  EXPECT_EQ(crawl(), std::pair(std::string("v2"), std::int64_t{0})) << "two hours old: expired";
  EXPECT_EQ(crawl(), std::pair(std::string("v2"), std::int64_t{1})) << "stored again";
  EXPECT_EQ(server.requests_served(), 2u);
}

TEST(HttpCache, IgnoredCodesAndDontCacheAreNotStored) {
  test_server server;
  server.route("/ok", [](const test_request&) { return test_reply{.body = "ok"}; });
  server.route("/gone", [](const test_request&) { return test_reply{.status = 410, .body = "gone"}; });
  server.route("/private", [](const test_request&) { return test_reply{.body = "private"}; });
  cache_folder cache("ignored");
  auto starts = [&] {
    std::vector<request> out = requests_for({server.url("/ok"), server.url("/gone")});
    request secret(server.url("/private"));
    secret.meta["dont_cache"] = true;
    out.push_back(std::move(secret));
    return out;
  };
  const auto overrides = cache.settings({{"HTTPCACHE_IGNORE_HTTP_CODES", "410,503"}});
  for (int run = 0; run < 2; ++run) {
    auto s = std::make_unique<cache_probe>(starts());
    auto* probe = s.get();
    auto result = run_finished_crawl(std::move(s), overrides);
    EXPECT_EQ(probe->responses().size(), 3u);
    EXPECT_EQ(result.stats.get("httpcache/uncacheable"), 1) << "the 410, every time";
    EXPECT_EQ(result.stats.get("httpcache/hit"), run == 0 ? 0 : 1) << "/ok the second time";
  }
  EXPECT_EQ(cache.entries().size(), 1u) << "only /ok";
  EXPECT_EQ(server.requests_served(), 5u) << "/ok once, /gone and /private twice";
}

TEST(HttpCache, IgnoreMissingFailsRequestsNotInTheCache) {
  test_server server;
  server.route("/a", [](const test_request&) { return test_reply{.body = "a"}; });
  server.route("/b", [](const test_request&) { return test_reply{.body = "b"}; });
  cache_folder cache("missing");
  auto warm = run_finished_crawl(std::make_unique<cache_probe>(requests_for({server.url("/a")})), cache.settings());
  auto s = std::make_unique<cache_probe>(requests_for({server.url("/a"), server.url("/b")}));
  auto* probe = s.get();
  auto result = run_crawl_with_log(std::move(s), cache.settings({{"HTTPCACHE_IGNORE_MISSING", "true"}}));
  EXPECT_EQ(result.reason, "finished");
  ASSERT_EQ(probe->responses().size(), 1u);
  EXPECT_EQ(probe->responses()[0].body, "a");
  EXPECT_EQ(result.stats.get("httpcache/ignore"), 1);
  EXPECT_EQ(result.stats.get("log_count/failed_requests"), 0) << "a refusal by policy, not an error";
  EXPECT_EQ(result.log.find("ERROR"), std::string::npos) << result.log;
  EXPECT_EQ(server.requests_served(), 1u);
}

TEST(HttpCache, Rfc2616RevalidatesAStaleEntryAndA304KeepsIt) {
  test_server server;
  std::mutex mutex;
  std::string etag = "\"v1\"";
  std::vector<std::string> conditions;  // If-None-Match of each request, "" when absent
  server.route("/doc", [&](const test_request& r) {
    std::lock_guard lock(mutex);
    auto condition = std::string(r.headers.get("If-None-Match").value_or(""));
    conditions.push_back(condition);
    if (condition == etag) return test_reply{.status = 304, .headers = {{"ETag", etag}}};
    return test_reply{.headers = {{"ETag", etag}, {"Cache-Control", "max-age=0"}}, .body = "body " + etag};
  });
  cache_folder cache("rfc2616");
  const auto overrides = cache.settings({{"HTTPCACHE_POLICY", "rfc2616"}});
  auto crawl = [&] {
    auto s = std::make_unique<cache_probe>(requests_for({server.url("/doc")}));
    auto* probe = s.get();
    auto result = run_finished_crawl(std::move(s), overrides);
    auto got = probe->responses().at(0);
    return std::tuple(got.status, got.body, got.flags, result.stats.get("httpcache/revalidate"),
                      result.stats.get("httpcache/invalidate"));
  };
  using flags = std::vector<std::string>;
  EXPECT_EQ(crawl(), std::tuple(200, std::string("body \"v1\""), flags{}, 0, 0));
  EXPECT_EQ(crawl(), std::tuple(200, std::string("body \"v1\""), flags{"cached"}, 1, 0)) << "a 304 keeps the entry";
  {
    std::lock_guard lock(mutex);
    etag = "\"v2\"";
  }
  EXPECT_EQ(crawl(), std::tuple(200, std::string("body \"v2\""), flags{}, 0, 1)) << "changed: the new one replaces it";
  EXPECT_EQ(crawl(), std::tuple(200, std::string("body \"v2\""), flags{"cached"}, 1, 0));
  EXPECT_EQ(conditions, (std::vector<std::string>{"", "\"v1\"", "\"v1\"", "\"v2\""}));
}

TEST(HttpCache, Rfc2616FallsBackOnTheStaleEntryWhenTheServerCannotBeReached) {
  test_server server;
  std::atomic<int> calls{0};
  server.route("/doc", [&](const test_request&) {
    if (++calls == 1) return test_reply{.headers = {{"ETag", "\"v1\""}, {"Cache-Control", "max-age=0"}}, .body = "kept"};
    return test_reply{.drop = true};
  });
  cache_folder cache("recovery");
  const auto overrides = cache.settings({{"HTTPCACHE_POLICY", "rfc2616"}});
  auto warm = run_finished_crawl(std::make_unique<cache_probe>(requests_for({server.url("/doc")})), overrides);
  auto s = std::make_unique<cache_probe>(requests_for({server.url("/doc")}));
  auto* probe = s.get();
  auto result = run_finished_crawl(std::move(s), overrides);
  ASSERT_EQ(probe->responses().size(), 1u);
  EXPECT_EQ(probe->responses()[0].body, "kept");
  EXPECT_EQ(probe->responses()[0].flags, std::vector<std::string>{"cached"});
  EXPECT_EQ(result.stats.get("httpcache/errorrecovery"), 1);
  EXPECT_EQ(result.stats.get("retry/count"), 0) << "the cache answered before retry saw the error";
  EXPECT_EQ(calls, 2);
}

TEST(HttpCache, Rfc2616AnswersFreshEntriesWithoutAskingAndKeepsNoStoreOut) {
  test_server server;
  server.route("/fresh", [](const test_request&) {
    return test_reply{.headers = {{"Cache-Control", "max-age=3600"}}, .body = "fresh"};
  });
  server.route("/secret", [](const test_request&) {
    return test_reply{.headers = {{"Cache-Control", "no-store, max-age=3600"}}, .body = "secret"};
  });
  server.route("/plain", [](const test_request&) { return test_reply{.body = "no validator"}; });
  cache_folder cache("fresh");
  const auto overrides = cache.settings({{"HTTPCACHE_POLICY", "rfc2616"}});
  const auto urls = std::vector<std::string>{server.url("/fresh"), server.url("/secret"), server.url("/plain")};
  auto first = run_finished_crawl(std::make_unique<cache_probe>(requests_for(urls)), overrides);
  EXPECT_EQ(first.stats.get("httpcache/store"), 1);
  EXPECT_EQ(first.stats.get("httpcache/uncacheable"), 2);
  auto second = run_finished_crawl(std::make_unique<cache_probe>(requests_for(urls)), overrides);
  EXPECT_EQ(second.stats.get("httpcache/hit"), 1);
  EXPECT_EQ(server.requests_served(), 5u) << "/fresh once";
}

TEST(HttpCache, ADamagedEntryIsAMissWithAWarningAndIsWrittenAgain) {
  test_server server;
  server.route("/a", [](const test_request&) { return test_reply{.body = "page a"}; });
  server.route("/b", [](const test_request&) { return test_reply{.body = "page b"}; });
  cache_folder cache("damaged");
  const auto urls = std::vector<std::string>{server.url("/a"), server.url("/b")};
  auto warm = run_finished_crawl(std::make_unique<cache_probe>(requests_for(urls)), cache.settings());
  auto entries = cache.entries();
  ASSERT_EQ(entries.size(), 2u);
  // One entry cut in the middle (as a disk without the rename would leave it), the other garbage.
  const std::string whole = read_file(entries[0]);
  std::ofstream(entries[0], std::ios::binary | std::ios::trunc) << whole.substr(0, whole.size() / 2);
  std::ofstream(entries[1], std::ios::binary | std::ios::trunc) << "\x1f\x8b not really gzip";

  auto s = std::make_unique<cache_probe>(requests_for(urls));
  auto* probe = s.get();
  auto damaged = run_crawl_with_log(std::move(s), cache.settings({{"LOG_LEVEL", "WARNING"}}));
  EXPECT_EQ(damaged.reason, "finished");
  ASSERT_EQ(probe->responses().size(), 2u);
  EXPECT_EQ(probe->responses()[0].body, "page a");
  EXPECT_EQ(probe->responses()[1].body, "page b");
  EXPECT_EQ(damaged.stats.get("httpcache/retrieve_error"), 2);
  EXPECT_EQ(damaged.stats.get("httpcache/miss"), 2);
  EXPECT_EQ(damaged.stats.get("httpcache/store"), 2);
  for (const auto& url : urls)
    EXPECT_NE(damaged.log.find("Could not read the cache entry for <GET " + url), std::string::npos) << damaged.log;
  EXPECT_NE(damaged.log.find("treating it as a cache miss"), std::string::npos);
  EXPECT_EQ(server.requests_served(), 4u);

  auto healed = run_finished_crawl(std::make_unique<cache_probe>(requests_for(urls)), cache.settings());
  EXPECT_EQ(healed.stats.get("httpcache/hit"), 2);
  EXPECT_EQ(server.requests_served(), 4u);
}

TEST(HttpCache, AStorageMistakeInTheSettingsStopsTheCrawlBeforeAnyRequest) {
  test_server server;
  cache_folder cache("settings");
  settings config;
  config.set("HTTPCACHE_ENABLED", "true", setting_priority::command_line);
  config.set("HTTPCACHE_STORAGE", "dbm", setting_priority::command_line);
  crawler c(std::make_unique<cache_probe>(requests_for({server.url("/")})), std::move(config));
  EXPECT_THROW(c.run(), settings_error);
  EXPECT_EQ(server.requests_served(), 0u);
}
