// Whole crawls through engine, downloader, middlewares and scraper against the in-process server.
#include "crawl_runner.hpp"
#include "gzip.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>
#include <netdb.h>

#include <atomic>
#include <mutex>
#include <set>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

class probe_spider : public spider {
 public:
  probe_spider() { name = "probe"; }
  std::function<void(const response&, output&)> on_parse;
  std::atomic<int> parsed{0};
  std::mutex mutex;
  std::vector<std::string> seen_urls;  // guarded by mutex: callbacks run concurrently

  void parse(const response& r, output& out) override {
    ++parsed;
    {
      std::lock_guard lock(mutex);
      seen_urls.push_back(r.url());
    }
    if (on_parse) on_parse(r, out);
  }
};

// A page with links to /page/0 .. /page/(n-1).
test_reply index_of(int n, std::string_view prefix = "/page/") {
  std::string body = "<html><body>";
  for (int i = 0; i < n; ++i) body += fmt::format("<a href=\"{}{}\">p{}</a>", prefix, i, i);
  body += "</body></html>";
  return {.body = body};
}

// An index linking each of n slow pages under two host names of the same server ("127.0.0.1" and
// "localhost"), so that they fall into two download slots.
void serve_two_host_index(test_server& server, int n, std::chrono::milliseconds delay) {
  server.route("/", [&server, n](const test_request&) {
    std::string body;
    for (int i = 0; i < n; ++i)
      body += fmt::format("<a href='{}'>a</a><a href='{}'>b</a>", server.url("/slow/" + std::to_string(i)),
                          server.url("/slow/" + std::to_string(i), "localhost"));
    return test_reply{.body = body};
  });
  for (int i = 0; i < n; ++i)
    server.route("/slow/" + std::to_string(i), [delay](const test_request&) { return test_reply{.body = "ok", .delay = delay}; });
}

}  // namespace

TEST(Crawl, FollowsLinksOnceAndReusesConnections) {
  test_server server;
  server.route("/", [](const test_request&) { return index_of(30); });
  for (int i = 0; i < 30; ++i)
    server.route("/page/" + std::to_string(i), [](const test_request&) {
      // Every page links back to the index and to its neighbours: duplicates everywhere.
      return test_reply{.body = "<a href='/'>home</a><a href='/page/1'>1</a><a href='/page/2#x'>2</a>"};
    });
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  spy->start_urls = {server.url("/")};
  spy->on_parse = [](const response& r, output& out) { out.follow_all(r.css("a::attr(href)")); };
  auto result = run_crawl(std::move(s));

  EXPECT_EQ(result.reason, "finished");
  // As in Scrapy, a start request is not filtered (dont_filter) nor recorded, so the first link
  // back to the start URL is fetched once more; every other page exactly once.
  EXPECT_EQ(spy->parsed, 32);
  std::set<std::string> unique(spy->seen_urls.begin(), spy->seen_urls.end());
  EXPECT_EQ(unique.size(), 31u);
  EXPECT_EQ(server.requests_served(), 32u);
  EXPECT_GT(result.stats.get("dupefilter/filtered"), 30);
  // Keep-alive: at most one connection per concurrent transfer, never one per request.
  EXPECT_LE(server.connections_accepted(), 8u);
}

TEST(Crawl, NeverExceedsGlobalAndPerHostConcurrency) {
  test_server server;
  serve_two_host_index(server, 20, 60ms);
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  spy->start_urls = {server.url("/")};
  spy->on_parse = [](const response& r, output& out) { out.follow_all(r.css("a::attr(href)")); };
  auto result = run_crawl(std::move(s), {{"CONCURRENT_REQUESTS", "3"}, {"CONCURRENT_REQUESTS_PER_DOMAIN", "2"}});

  EXPECT_EQ(spy->parsed, 41);
  EXPECT_LE(server.peak_concurrency(), 3u);
  EXPECT_EQ(server.peak_concurrency(), 3u) << "the global limit should be reached with two busy hosts";
  EXPECT_LE(server.peak_concurrency("127.0.0.1"), 2u);
  EXPECT_LE(server.peak_concurrency("localhost"), 2u);
  EXPECT_EQ(server.peak_concurrency("localhost"), 2u);
}

TEST(Crawl, HonoursDownloadDelay) {
  test_server server;
  server.route("/", [](const test_request&) { return index_of(4); });
  for (int i = 0; i < 4; ++i) server.route("/page/" + std::to_string(i), [](const test_request&) { return test_reply{}; });
  auto s = std::make_unique<probe_spider>();
  s->start_urls = {server.url("/")};
  s->on_parse = [](const response& r, output& out) { out.follow_all(r.css("a::attr(href)")); };
  (void)run_crawl(std::move(s), {{"DOWNLOAD_DELAY", "0.2"}, {"RANDOMIZE_DOWNLOAD_DELAY", "false"}});

  std::vector<std::chrono::steady_clock::time_point> times = server.arrivals("/");
  for (int i = 0; i < 4; ++i) {
    auto t = server.arrivals("/page/" + std::to_string(i));
    times.insert(times.end(), t.begin(), t.end());
  }
  ASSERT_EQ(times.size(), 5u);
  std::sort(times.begin(), times.end());
  for (std::size_t i = 1; i < times.size(); ++i)
    EXPECT_GE(times[i] - times[i - 1], 190ms) << "requests " << i - 1 << " and " << i << " came too close";
}

TEST(Crawl, TimeoutIsCountedAndCrawlFinishes) {
  test_server server;
  server.route("/", [](const test_request&) { return test_reply{.body = "<a href='/stall'>s</a><a href='/ok'>o</a>"}; });
  server.route("/stall", [](const test_request&) { return test_reply{.body = "late", .delay = 5s}; });
  server.route("/ok", [](const test_request&) { return test_reply{.body = "fine"}; });
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->start_urls = {server.url("/")};
  s->on_parse = [](const response& r, output& out) { out.follow_all(r.css("a::attr(href)")); };
  auto started = std::chrono::steady_clock::now();
  auto result = run_crawl(std::move(s), {{"DOWNLOAD_TIMEOUT", "0.5"}});

  EXPECT_EQ(result.reason, "finished");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  EXPECT_EQ(spy->parsed, 2);
  // The first attempt and RETRY_TIMES (2) retries all time out, then the retry middleware gives up.
  EXPECT_EQ(result.stats.get("downloader/exception_type_count/download_timeout"), 3);
  EXPECT_EQ(result.stats.get("retry/max_reached"), 1);
}

TEST(Crawl, DecodesGzipBodies) {
  test_server server;
  server.route("/", [](const test_request& req) {
    test_reply reply{.body = gzip("<html><h1 class=t>Compressed &amp; fine</h1></html>")};
    reply.headers.set("Content-Encoding", "gzip");
    EXPECT_NE(req.headers.get("Accept-Encoding").value_or("").find("gzip"), std::string_view::npos);
    return reply;
  });
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  std::string title;
  s->start_urls = {server.url("/")};
  s->on_parse = [&](const response& r, output&) { title = r.css("h1.t::text").get(); };
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(spy->parsed, 1);
  EXPECT_EQ(title, "Compressed & fine");
  EXPECT_EQ(result.stats.get("httpcompression/response_count"), 1);
}

TEST(Crawl, ErrorStatusesDoNotReachTheCallback) {
  test_server server;
  server.route("/", [](const test_request&) { return test_reply{.body = "<a href='/missing'>m</a><a href='/ok'>o</a>"}; });
  server.route("/ok", [](const test_request&) { return test_reply{}; });
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->start_urls = {server.url("/")};
  s->on_parse = [](const response& r, output& out) { out.follow_all(r.css("a::attr(href)")); };
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(spy->parsed, 2);
  EXPECT_EQ(std::count(spy->seen_urls.begin(), spy->seen_urls.end(), server.url("/missing")), 0);
  EXPECT_EQ(result.stats.get("downloader/response_status_count/404"), 1);
  EXPECT_EQ(result.stats.get("httperror/response_ignored_status_count/404"), 1);
}

TEST(Crawl, ErrbackReceivesHttpErrors) {
  test_server server;
  server.route("/", [](const test_request&) { return test_reply{.status = 503, .body = "busy"}; });
  class errback_spider : public spider {
   public:
    std::atomic<int> failures{0};
    std::atomic<int> status{0};
    std::vector<request> start_requests() override {
      request r(start_urls.front());
      r.errback = bind_errback(&errback_spider::on_error);
      return {r};
    }
    void on_error(const failure& f, output&) {
      ++failures;
      if (f.error == errc::http_error && f.resp) status = f.resp->status();
    }
  };
  auto s = std::make_unique<errback_spider>();
  auto* spy = s.get();
  s->name = "errback";
  s->start_urls = {server.url("/")};
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(spy->failures, 1);
  EXPECT_EQ(spy->status, 503);
}

TEST(Crawl, OffsiteLinksAreNotRequested) {
  test_server server;
  server.route("/", [&](const test_request&) {
    return test_reply{.body = fmt::format("<a href='http://offsite.invalid/x'>x</a><a href='{}'>other host</a>"
                                          "<a href='/in'>in</a>",
                                          server.url("/elsewhere", "localhost"))};
  });
  server.route("/in", [](const test_request&) { return test_reply{}; });
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->start_urls = {server.url("/")};
  s->allowed_domains = {"127.0.0.1"};
  s->on_parse = [](const response& r, output& out) { out.follow_all(r.css("a::attr(href)")); };
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(spy->parsed, 2);
  EXPECT_EQ(server.requests_served(), 2u);
  EXPECT_EQ(result.stats.get("offsite/filtered"), 2);
  EXPECT_EQ(result.stats.get("offsite/domains"), 2);
}

TEST(Crawl, ThrowingCallbackIsCountedAndCrawlGoesOn) {
  test_server server;
  server.route("/", [](const test_request&) { return index_of(5); });
  for (int i = 0; i < 5; ++i) server.route("/page/" + std::to_string(i), [](const test_request&) { return test_reply{}; });
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->start_urls = {server.url("/")};
  s->on_parse = [](const response& r, output& out) {
    out.follow_all(r.css("a::attr(href)"));
    if (r.url().ends_with("/page/3")) throw std::runtime_error("parse failed on purpose");
    out.emit(item{{"url", r.url()}});
  };
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(spy->parsed, 6);
  EXPECT_EQ(result.stats.get("spider_exceptions/count"), 1);
  EXPECT_EQ(result.stats.get("spider_exceptions/std::runtime_error"), 1);
  EXPECT_EQ(result.stats.get("item_scraped_count"), 5);
}

TEST(Crawl, HttpsVerifiesWithTheTestCa) {
  test_certificates certs;
  test_server server({.tls = &certs});
  server.route("/", [](const test_request&) { return test_reply{.body = "<p>secure</p>"}; });

  auto trusting = std::make_unique<probe_spider>();
  auto* ok = trusting.get();
  trusting->start_urls = {server.url("/")};
  auto good = run_crawl(std::move(trusting), {{"DOWNLOAD_CA_FILE", certs.ca_file}});
  EXPECT_EQ(ok->parsed, 1);
  EXPECT_EQ(good.stats.get("downloader/response_status_count/200"), 1);

  auto untrusting = std::make_unique<probe_spider>();
  auto* refused = untrusting.get();
  untrusting->start_urls = {server.url("/")};
  auto bad = run_crawl(std::move(untrusting));
  EXPECT_EQ(refused->parsed, 0);
  EXPECT_EQ(bad.stats.get("downloader/exception_type_count/tls_failed"), 1);
}

TEST(Crawl, BadStartUrlsAreCountedNotFatal) {
  test_server server;
  server.route("/", [](const test_request&) { return test_reply{}; });
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->start_urls = {"not a url", "mailto:x@y.z", "http://127.0.0.1:99999/", server.url("/")};
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(spy->parsed, 1);
  EXPECT_EQ(result.stats.get("scheduler/invalid_url"), 3);
}

TEST(Crawl, DepthLimitStopsFollowing) {
  test_server server;
  // A chain: /d/0 -> /d/1 -> ... -> /d/9
  for (int i = 0; i < 10; ++i)
    server.route("/d/" + std::to_string(i),
                 [i](const test_request&) { return test_reply{.body = fmt::format("<a href='/d/{}'>n</a>", i + 1)}; });
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->start_urls = {server.url("/d/0")};
  s->on_parse = [](const response& r, output& out) { out.follow_all(r.css("a::attr(href)")); };
  auto result = run_crawl(std::move(s), {{"DEPTH_LIMIT", "3"}});
  EXPECT_EQ(spy->parsed, 4);  // depths 0..3
  EXPECT_EQ(result.stats.get("request_depth_max"), 3);
}

namespace {

// An index linking to n pages that each answer after `delay`.
void serve_pages(test_server& server, int n, std::chrono::milliseconds delay = 0ms) {
  server.route("/", [n](const test_request&) { return index_of(n); });
  for (int i = 0; i < n; ++i)
    server.route("/page/" + std::to_string(i), [delay](const test_request&) {
      return test_reply{.body = "<p>page</p>", .delay = delay};
    });
}

std::unique_ptr<probe_spider> item_per_page_spider(const test_server& server) {
  auto s = std::make_unique<probe_spider>();
  s->start_urls = {server.url("/")};
  s->on_parse = [](const response& r, output& out) {
    out.follow_all(r.css("a::attr(href)"));
    out.emit(item{{"url", r.url()}});
  };
  return s;
}

}  // namespace

TEST(CloseSpider, StopsAfterItemCount) {
  test_server server;
  serve_pages(server, 100, 10ms);
  auto result = run_crawl(item_per_page_spider(server), {{"CLOSESPIDER_ITEMCOUNT", "10"}});
  EXPECT_EQ(result.reason, "closespider_itemcount");
  // Requests already in flight finish, so a few more may come in, never the whole site.
  EXPECT_GE(result.stats.get("item_scraped_count"), 10);
  EXPECT_LT(result.stats.get("item_scraped_count"), 40);
}

TEST(CloseSpider, StopsAfterPageCount) {
  test_server server;
  serve_pages(server, 100, 10ms);
  auto result = run_crawl(item_per_page_spider(server), {{"CLOSESPIDER_PAGECOUNT", "5"}});
  EXPECT_EQ(result.reason, "closespider_pagecount");
  EXPECT_LT(result.stats.get("downloader/response_count"), 40);
}

TEST(CloseSpider, StopsAfterTimeout) {
  test_server server;
  serve_pages(server, 100, 200ms);
  auto started = std::chrono::steady_clock::now();
  auto result = run_crawl(item_per_page_spider(server),
                          {{"CLOSESPIDER_TIMEOUT", "0.5"}, {"CONCURRENT_REQUESTS_PER_DOMAIN", "1"}});
  EXPECT_EQ(result.reason, "closespider_timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(CloseSpider, StopsAfterErrorCount) {
  test_server server;
  serve_pages(server, 50, 10ms);
  auto s = std::make_unique<probe_spider>();
  s->start_urls = {server.url("/")};
  s->on_parse = [](const response& r, output& out) {
    out.follow_all(r.css("a::attr(href)"));
    if (r.url().find("/page/") != std::string::npos) throw std::runtime_error("broken page");
  };
  auto result = run_crawl(std::move(s), {{"CLOSESPIDER_ERRORCOUNT", "3"}});
  EXPECT_EQ(result.reason, "closespider_errorcount");
  EXPECT_LT(result.stats.get("spider_exceptions/count"), 30);
}

TEST(AutoThrottle, SpacesRequestsAndKeepsTheConcurrencyLimit) {
  test_server server;
  serve_pages(server, 8, 50ms);
  auto result = run_crawl(item_per_page_spider(server), {{"AUTOTHROTTLE_ENABLED", "true"},
                                                         {"AUTOTHROTTLE_START_DELAY", "0.2"},
                                                         {"AUTOTHROTTLE_TARGET_CONCURRENCY", "4"},
                                                         {"RANDOMIZE_DOWNLOAD_DELAY", "false"},
                                                         {"CONCURRENT_REQUESTS_PER_DOMAIN", "2"}});
  EXPECT_EQ(result.stats.get("item_scraped_count"), 9);
  EXPECT_LE(server.peak_concurrency(), 2u);
  std::vector<std::chrono::steady_clock::time_point> times;
  for (int i = 0; i < 8; ++i) {
    auto t = server.arrivals("/page/" + std::to_string(i));
    times.insert(times.end(), t.begin(), t.end());
  }
  std::sort(times.begin(), times.end());
  ASSERT_EQ(times.size(), 8u);
  // The delay starts at 0.2 s and follows latency/target (about 12 ms) down by halves, so the first
  // gaps are long and the crawl still finishes.
  EXPECT_GE(times[1] - times[0], 40ms);
  EXPECT_LT(times.back() - times.front(), 3s);
}

TEST(Crawl, PerIpSlotsShareOneLimitAcrossHostNames) {
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  bool localhost_is_v4 = getaddrinfo("localhost", nullptr, &hints, &found) == 0 && found->ai_family == AF_INET;
  if (found) freeaddrinfo(found);
  if (!localhost_is_v4) GTEST_SKIP() << "localhost does not resolve to 127.0.0.1 first here";

  test_server server;
  serve_two_host_index(server, 10, 50ms);
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  spy->start_urls = {server.url("/")};
  spy->on_parse = [](const response& r, output& out) { out.follow_all(r.css("a::attr(href)")); };
  auto result = run_crawl(std::move(s), {{"CONCURRENT_REQUESTS_PER_IP", "2"}});
  EXPECT_EQ(spy->parsed, 21);
  // Two host names, one address: one slot of two transfers, where per-domain slots would allow 16.
  EXPECT_EQ(server.peak_concurrency(), 2u);
}

TEST(Crawl, DepthPriorityCrawlsBreadthFirst) {
  test_server server;
  // Two chains from the index: /a/0 -> /a/1 -> /a/2 and /b/0 -> /b/1 -> /b/2.
  server.route("/", [](const test_request&) { return test_reply{.body = "<a href='/a/0'>a</a><a href='/b/0'>b</a>"}; });
  for (const char* chain : {"a", "b"})
    for (int i = 0; i < 3; ++i)
      server.route(fmt::format("/{}/{}", chain, i), [chain, i](const test_request&) {
        return test_reply{.body = i < 2 ? fmt::format("<a href='/{}/{}'>n</a>", chain, i + 1) : "end"};
      });
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->start_urls = {server.url("/")};
  s->on_parse = [](const response& r, output& out) { out.follow_all(r.css("a::attr(href)")); };
  auto result = run_crawl(std::move(s), {{"DEPTH_PRIORITY", "1"}, {"CONCURRENT_REQUESTS", "1"}});
  ASSERT_EQ(spy->seen_urls.size(), 7u);
  // Breadth first: every page of a depth before any deeper one.
  auto depth_of = [](const std::string& u) { return u.back() == '/' ? -1 : u.back() - '0'; };
  for (std::size_t i = 1; i < spy->seen_urls.size(); ++i)
    EXPECT_LE(depth_of(spy->seen_urls[i - 1]), depth_of(spy->seen_urls[i])) << spy->seen_urls[i];
}

TEST(Crawl, LogsProgressEveryInterval) {
  test_server server;
  serve_pages(server, 20, 60ms);
  const auto result = run_crawl_with_log(item_per_page_spider(server), {{"LOGSTATS_INTERVAL", "0.2"},
                                                                       {"LOG_LEVEL", "INFO"},
                                                                       {"CONCURRENT_REQUESTS_PER_DOMAIN", "1"}});
  EXPECT_NE(result.log.find("[logstats] INFO: Crawled "), std::string::npos);
  EXPECT_NE(result.log.find("pages/min), scraped "), std::string::npos);
}

TEST(Crawl, RedirectsAreRecheckedAgainstOffsite) {
  test_server server;
  server.route("/", [](const test_request&) { return test_reply{.body = "<a href='/go'>go</a><a href='/in'>in</a>"}; });
  server.route("/go", [&](const test_request&) {
    test_reply reply{.status = 302};
    reply.headers.set("Location", server.url("/elsewhere", "localhost"));
    return reply;
  });
  server.route("/in", [](const test_request&) { return test_reply{}; });
  server.route("/elsewhere", [](const test_request&) { return test_reply{}; });
  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->start_urls = {server.url("/")};
  s->allowed_domains = {"127.0.0.1"};
  s->on_parse = [](const response& r, output& out) { out.follow_all(r.css("a::attr(href)")); };
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(spy->parsed, 2);
  EXPECT_TRUE(server.arrivals("/elsewhere").empty());
  EXPECT_EQ(result.stats.get("offsite/filtered"), 1);
  EXPECT_EQ(result.stats.get("redirect/count"), 1);
}
