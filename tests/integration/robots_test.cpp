// The robots_txt middleware in whole crawls against the in-process server: robots.txt fetched once
// per origin through crawler::download before any other request, its rules obeyed, and RFC 9309's
// rules for a robots.txt that is missing (4xx) or unreachable (5xx, network error).
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

class link_spider : public spider {
 public:
  link_spider() { name = "robots_probe"; }
  std::atomic<int> parsed{0};

  void parse(const response& r, output& out) override {
    ++parsed;
    out.follow_all(r.css("a::attr(href)"));
  }
};

// "/" links to /public/0..n-1 and /private/0..n-1.
void serve_site(test_server& server, int n) {
  server.route("/", [n](const test_request&) {
    std::string body;
    for (int i = 0; i < n; ++i) body += fmt::format("<a href='/public/{}'>a</a><a href='/private/{}'>b</a>", i, i);
    return test_reply{.body = body};
  });
  for (int i = 0; i < n; ++i) {
    server.route(fmt::format("/public/{}", i), [](const test_request&) { return test_reply{.body = "public"}; });
    server.route(fmt::format("/private/{}", i), [](const test_request&) { return test_reply{.body = "private"}; });
  }
}

std::size_t private_arrivals(const test_server& server, int n) {
  std::size_t total = 0;
  for (int i = 0; i < n; ++i) total += server.arrivals(fmt::format("/private/{}", i)).size();
  return total;
}

std::size_t public_arrivals(const test_server& server, int n) {
  std::size_t total = 0;
  for (int i = 0; i < n; ++i) total += server.arrivals(fmt::format("/public/{}", i)).size();
  return total;
}

std::unique_ptr<link_spider> spider_for(const test_server& server, link_spider*& spy) {
  auto s = std::make_unique<link_spider>();
  s->start_urls = {server.url("/")};
  spy = s.get();
  return s;
}

}  // namespace

TEST(RobotsTxt, DisallowedPagesAreNeverRequested) {
  test_server server;
  serve_site(server, 5);
  // The group for our product token (from USER_AGENT "orbweaver/...") applies, not "*".
  server.route("/robots.txt", [](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "text/plain"}},
                      .body = "User-agent: *\nDisallow: /\n\nUser-agent: OrbWeaver\nDisallow: /private\n"};
  });
  link_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server, spy), {{"ROBOTSTXT_OBEY", "true"}});

  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(private_arrivals(server, 5), 0u);
  EXPECT_EQ(public_arrivals(server, 5), 5u);
  EXPECT_EQ(spy->parsed, 6);
  EXPECT_EQ(server.arrivals("/robots.txt").size(), 1u);
  // robots.txt came before the first page.
  ASSERT_EQ(server.arrivals("/").size(), 1u);
  EXPECT_LT(server.arrivals("/robots.txt").front(), server.arrivals("/").front());
  EXPECT_EQ(result.stats.get("robotstxt/forbidden"), 5);
  EXPECT_EQ(result.stats.get("robotstxt/request_count"), 1);
  EXPECT_EQ(result.stats.get("robotstxt/response_count"), 1);
  EXPECT_EQ(result.stats.get("robotstxt/response_status_count/200"), 1);
  EXPECT_EQ(result.stats.get("downloader/exception_type_count/robots_blocked"), 5);
}

TEST(RobotsTxt, FetchedOncePerOriginWhileManyRequestsWait) {
  test_server server;
  constexpr int pages = 30;
  for (int i = 0; i < pages; ++i)
    server.route(fmt::format("/public/{}", i), [](const test_request&) { return test_reply{.body = "public"}; });
  // A slow robots.txt: every start request arrives while it is still being fetched.
  server.route("/robots.txt", [](const test_request&) {
    return test_reply{.body = "User-agent: *\nDisallow: /private\n", .delay = 200ms};
  });
  auto s = std::make_unique<link_spider>();
  auto* spy = s.get();
  for (int i = 0; i < pages; ++i) {
    s->start_urls.push_back(server.url(fmt::format("/public/{}", i)));
    s->start_urls.push_back(server.url(fmt::format("/public/{}", i), "localhost"));
  }
  auto result = run_crawl(std::move(s), {{"ROBOTSTXT_OBEY", "true"}, {"CONCURRENT_REQUESTS", "32"}});

  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(spy->parsed, 2 * pages);
  // One fetch per origin: 127.0.0.1:port and localhost:port.
  EXPECT_EQ(server.arrivals("/robots.txt").size(), 2u);
  EXPECT_EQ(result.stats.get("robotstxt/request_count"), 2);
  // Each page waited for its origin's robots.txt, answered 200 ms after it arrived.
  auto first_robots = server.arrivals("/robots.txt").front();
  for (int i = 0; i < pages; ++i)
    for (auto t : server.arrivals(fmt::format("/public/{}", i))) EXPECT_GE(t - first_robots, 150ms);
}

TEST(RobotsTxt, MissingRobotsTxtAllowsEverything) {
  test_server server;  // no /robots.txt route: 404
  serve_site(server, 3);
  link_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server, spy), {{"ROBOTSTXT_OBEY", "true"}});

  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(public_arrivals(server, 3) + private_arrivals(server, 3), 6u);
  EXPECT_EQ(spy->parsed, 7);
  EXPECT_EQ(result.stats.get("robotstxt/response_status_count/404"), 1);
  EXPECT_EQ(result.stats.get("robotstxt/forbidden"), 0);
}

TEST(RobotsTxt, ServerErrorDisallowsEverything) {
  test_server server;
  serve_site(server, 3);
  server.route("/robots.txt", [](const test_request&) { return test_reply{.status = 503, .body = "busy"}; });
  link_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server, spy), {{"ROBOTSTXT_OBEY", "true"}});

  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(server.arrivals("/").size(), 0u);
  EXPECT_EQ(spy->parsed, 0);
  EXPECT_GE(server.arrivals("/robots.txt").size(), 1u);  // a retry middleware may ask again
  EXPECT_EQ(result.stats.get("robotstxt/request_count"), 1);
  EXPECT_EQ(result.stats.get("robotstxt/response_status_count/503"), 1);
  EXPECT_EQ(result.stats.get("robotstxt/forbidden"), 1);
}

TEST(RobotsTxt, UnreachableRobotsTxtDisallowsEverything) {
  test_server server;
  serve_site(server, 3);
  server.route("/robots.txt", [](const test_request&) { return test_reply{.drop = true}; });
  link_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server, spy), {{"ROBOTSTXT_OBEY", "true"}});

  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(server.arrivals("/").size(), 0u);
  EXPECT_EQ(spy->parsed, 0);
  EXPECT_EQ(result.stats.get("robotstxt/response_count"), 0);
  EXPECT_EQ(result.stats.get("robotstxt/exception_count/connection_closed"), 1);
  EXPECT_EQ(result.stats.get("robotstxt/forbidden"), 1);
}

TEST(RobotsTxt, RedirectedRobotsTxtIsFollowed) {
  test_server server;
  serve_site(server, 3);
  server.route("/robots.txt", [](const test_request&) {
    return test_reply{.status = 301, .headers = {{"Location", "/elsewhere/robots.txt"}}};
  });
  server.route("/elsewhere/robots.txt", [](const test_request&) {
    return test_reply{.body = "User-agent: *\nDisallow: /private\n"};
  });
  link_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server, spy), {{"ROBOTSTXT_OBEY", "true"}});

  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(server.arrivals("/elsewhere/robots.txt").size(), 1u);
  EXPECT_EQ(private_arrivals(server, 3), 0u);
  EXPECT_EQ(public_arrivals(server, 3), 3u);
  EXPECT_EQ(result.stats.get("robotstxt/response_status_count/200"), 1);
}

TEST(RobotsTxt, MoreThanFiveRedirectsMeanUnavailable) {
  test_server server;
  serve_site(server, 2);
  // /robots.txt -> /hop/1 -> ... -> /hop/6: six redirects.
  server.route("/robots.txt", [](const test_request&) {
    return test_reply{.status = 302, .headers = {{"Location", "/hop/1"}}};
  });
  for (int i = 1; i <= 6; ++i)
    server.route(fmt::format("/hop/{}", i), [i](const test_request&) {
      return test_reply{.status = 302, .headers = {{"Location", fmt::format("/hop/{}", i + 1)}}};
    });
  link_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server, spy), {{"ROBOTSTXT_OBEY", "true"}});

  EXPECT_EQ(server.arrivals("/hop/5").size(), 1u);
  EXPECT_EQ(server.arrivals("/hop/6").size(), 0u);
  EXPECT_EQ(result.stats.get("robotstxt/exception_count/too_many_redirects"), 1);
  EXPECT_EQ(public_arrivals(server, 2) + private_arrivals(server, 2), 4u);
  EXPECT_EQ(spy->parsed, 5);
}

TEST(RobotsTxt, RobotsUserAgentChoosesTheGroup) {
  test_server server;
  serve_site(server, 2);
  server.route("/robots.txt", [](const test_request&) {
    return test_reply{.body = "User-agent: special\nDisallow: /public\n"};
  });
  link_spider* spy = nullptr;
  auto result =
      run_crawl(spider_for(server, spy), {{"ROBOTSTXT_OBEY", "true"}, {"ROBOTSTXT_USER_AGENT", "Special/2.0"}});

  EXPECT_EQ(public_arrivals(server, 2), 0u);
  EXPECT_EQ(private_arrivals(server, 2), 2u);
}

TEST(RobotsTxt, NotObeyedNotFetched) {
  test_server server;
  serve_site(server, 3);
  server.route("/robots.txt", [](const test_request&) { return test_reply{.body = "User-agent: *\nDisallow: /\n"}; });
  link_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server, spy), {{"ROBOTSTXT_OBEY", "false"}});

  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(server.arrivals("/robots.txt").size(), 0u);
  EXPECT_EQ(spy->parsed, 7);
  EXPECT_EQ(result.stats.get("robotstxt/request_count"), 0);
}

TEST(RobotsTxt, ClosingWhileAnOriginWaitsForTheSharedSlotSendsItNothing) {
  // Two servers on 127.0.0.1 are two origins sharing one slot of concurrency 1: the first
  // origin's page holds the slot's transfer while its slow robots.txt is fetched, so the frontier
  // does not hand out the second origin's page, whose robots.txt is never asked for.
  test_server slow, queued;
  slow.route("/robots.txt", [](const test_request&) { return test_reply{.body = "", .delay = 800ms}; });
  slow.route("/", [](const test_request&) { return test_reply{.body = "slow"}; });
  queued.route("/", [](const test_request&) { return test_reply{.body = "queued"}; });
  auto s = std::make_unique<link_spider>();
  s->start_urls = {slow.url("/"), queued.url("/")};
  auto result = run_crawl(std::move(s), {{"ROBOTSTXT_OBEY", "true"},
                                         {"CONCURRENT_REQUESTS_PER_DOMAIN", "1"},
                                         {"CLOSESPIDER_TIMEOUT", "0.3"}});

  EXPECT_EQ(result.reason, "closespider_timeout");
  EXPECT_EQ(queued.arrivals("/robots.txt").size(), 0u);
  EXPECT_EQ(queued.arrivals("/").size(), 0u);
  // Cancelled, not forbidden: the robots.txt never answered.
  EXPECT_EQ(result.stats.get("robotstxt/forbidden"), 0);
  EXPECT_EQ(result.stats.get("robotstxt/request_count"), 1);
  EXPECT_EQ(result.stats.get("robotstxt/response_count"), 1);
  EXPECT_EQ(result.stats.get("scheduler/pending_at_close"), 1);
}

namespace {

// Four pages as start requests, on a server whose robots.txt gives `robots_body`.
std::vector<std::chrono::steady_clock::time_point> page_arrivals_under(std::string robots_body,
                                                                       const setting_overrides& overrides) {
  test_server server;
  server.route("/robots.txt", [robots_body](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "text/plain"}}, .body = robots_body};
  });
  auto s = std::make_unique<link_spider>();
  for (int i = 0; i < 4; ++i) {
    server.route(fmt::format("/page/{}", i), [](const test_request&) { return test_reply{.body = "page"}; });
    s->start_urls.push_back(server.url(fmt::format("/page/{}", i)));
  }
  setting_overrides settings{{"ROBOTSTXT_OBEY", "true"}};
  settings.insert(settings.end(), overrides.begin(), overrides.end());
  auto result = run_crawl(std::move(s), settings);
  EXPECT_EQ(result.reason, "finished");
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  for (int i = 0; i < 4; ++i)
    for (auto t : server.arrivals(fmt::format("/page/{}", i))) arrivals.push_back(t);
  std::sort(arrivals.begin(), arrivals.end());
  return arrivals;
}

double shortest_gap(const std::vector<std::chrono::steady_clock::time_point>& arrivals) {
  double shortest = 1e9;
  for (std::size_t i = 1; i < arrivals.size(); ++i)
    shortest = std::min(shortest, std::chrono::duration<double>(arrivals[i] - arrivals[i - 1]).count());
  return shortest;
}

// Starts are spaced by the delay; a new connection for the first page against reused ones
// afterwards can shift an arrival by a millisecond or two.
constexpr double crawl_delay_tolerance = 0.02;

}  // namespace

TEST(RobotsTxt, CrawlDelaySpacesRequestsToTheHost) {
  auto arrivals = page_arrivals_under("User-agent: *\nCrawl-delay: 0.3\nDisallow: /private\n", {});
  ASSERT_EQ(arrivals.size(), 4u);
  EXPECT_GE(shortest_gap(arrivals), 0.3 - crawl_delay_tolerance);
}

TEST(RobotsTxt, CrawlDelayHoldsUnderAutoThrottleAndRandomisedDelay) {
  // Loopback answers in a millisecond: AutoThrottle alone would bring the delay near zero, and
  // DOWNLOAD_DELAY's randomisation would draw down to half of it.
  auto arrivals = page_arrivals_under("User-agent: orbweaver\nCrawl-delay: 0.3\n",
                                      {{"AUTOTHROTTLE_ENABLED", "true"},
                                       {"AUTOTHROTTLE_START_DELAY", "0"},
                                       {"DOWNLOAD_DELAY", "0.25"}});
  ASSERT_EQ(arrivals.size(), 4u);
  EXPECT_GE(shortest_gap(arrivals), 0.3 - crawl_delay_tolerance);
}

TEST(RobotsTxt, CrawlDelayForAnotherAgentDoesNotApply) {
  auto arrivals = page_arrivals_under("User-agent: slowbot\nCrawl-delay: 5\n", {});
  ASSERT_EQ(arrivals.size(), 4u);
  EXPECT_LT(std::chrono::duration<double>(arrivals.back() - arrivals.front()).count(), 1.0);
}
