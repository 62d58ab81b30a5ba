// The meta refresh middleware in whole crawls against the in-process server: a refresh is followed
// as a redirect (sharing the HTTP redirects' hop count, chain and loop detection), one above
// METAREFRESH_MAXDELAY is not, and nothing outside HTML is searched.
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <mutex>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

// Every page it parses becomes an item, and it keeps what it saw.
class item_spider : public spider {
 public:
  item_spider() { name = "meta_refresh_probe"; }
  std::mutex mutex;
  std::vector<std::string> parsed_urls;   // guarded by mutex: callbacks run on the pool
  std::vector<json::object> parsed_metas;  // guarded by mutex
  std::vector<std::string> failures;       // guarded by mutex: error names the errback heard

  std::vector<request> start_requests() override {
    auto requests = spider::start_requests();
    for (auto& r : requests)
      r.errback = [](spider& s, const failure& f, output&) {
        auto& self = static_cast<item_spider&>(s);
        std::lock_guard lock(self.mutex);
        self.failures.push_back(error_name(f.error));
      };
    return requests;
  }
  void parse(const response& r, output& out) override {
    {
      std::lock_guard lock(mutex);
      parsed_urls.push_back(r.url());
      parsed_metas.push_back(r.meta());
    }
    out.emit(item{{"url", r.url()}});
  }
};

// Starts from one request built by the test.
struct start_request_spider : item_spider {
  request first;
  std::vector<request> start_requests() override { return {first}; }
};

test_reply refresh_to(std::string_view content, std::string_view extra_head = "") {
  return test_reply{.body = fmt::format(R"(<html><head>{}<meta http-equiv="refresh" content="{}"></head>)"
                                        "<body>moved</body></html>",
                                        extra_head, content)};
}

test_reply final_page() { return test_reply{.body = "<html><body><p>here</p></body></html>"}; }

std::unique_ptr<item_spider> spider_for(const std::string& start, item_spider*& spy) {
  auto s = std::make_unique<item_spider>();
  s->start_urls = {start};
  spy = s.get();
  return s;
}

}  // namespace

TEST(MetaRefresh, FollowedToAnotherPageWhoseItemArrives) {
  test_server server;
  server.route("/", [](const test_request&) { return refresh_to("0; url=/next"); });
  server.route("/next", [](const test_request&) { return final_page(); });
  item_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server.url("/"), spy));

  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(server.arrivals("/next").size(), 1u);
  ASSERT_EQ(spy->parsed_urls, std::vector<std::string>{server.url("/next")}) << "the refreshing page is not parsed";
  EXPECT_EQ(result.stats.get("item_scraped_count"), 1);
  EXPECT_EQ(result.stats.get("redirect/count"), 1);
  EXPECT_EQ(result.stats.get("downloader/response_status_count/200"), 2);
  const auto& meta = spy->parsed_metas.front();
  EXPECT_EQ(meta.at("redirect_times").as_int64(), 1);
  EXPECT_EQ(meta.at("redirect_urls"), json::array{server.url("/")});
}

TEST(MetaRefresh, SharesTheChainWithHttpRedirectsAndUsesGet) {
  test_server server;
  server.route("/start", [](const test_request&) {
    return test_reply{.status = 307, .headers = {{"Location", "/refresh"}}};
  });
  server.route("/refresh", [](const test_request&) { return refresh_to("1; URL='final'", "<base href='/dir/'>"); });
  std::mutex mutex;
  std::string final_method;
  server.route("/dir/final", [&](const test_request& r) {
    std::lock_guard lock(mutex);
    final_method = r.method;
    return final_page();
  });
  auto poster = std::make_unique<start_request_spider>();
  auto* spy = poster.get();
  poster->first = request(server.url("/start"));
  poster->first.method = "POST";
  poster->first.body = "a=1";
  auto result = run_crawl(std::move(poster));

  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(final_method, "GET") << "a 307 keeps POST, a refresh is always a GET";
  ASSERT_EQ(spy->parsed_urls, std::vector<std::string>{server.url("/dir/final")});
  const auto& meta = spy->parsed_metas.front();
  EXPECT_EQ(meta.at("redirect_times").as_int64(), 2);
  EXPECT_EQ(meta.at("redirect_urls"), (json::array{server.url("/start"), server.url("/refresh")}));
  EXPECT_EQ(result.stats.get("redirect/count"), 2);
}

TEST(MetaRefresh, DelayAtOrAboveMaxDelayIsNotFollowed) {
  test_server server;
  server.route("/slow", [](const test_request&) { return refresh_to("120; url=/next"); });
  server.route("/limit", [](const test_request&) { return refresh_to("5; url=/next"); });
  server.route("/next", [](const test_request&) { return final_page(); });
  item_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server.url("/slow"), spy));
  EXPECT_EQ(server.arrivals("/next").size(), 0u) << "120 s is above the default 100";
  EXPECT_EQ(spy->parsed_urls, std::vector<std::string>{server.url("/slow")}) << "the page goes to the callback";

  auto limited = run_crawl(spider_for(server.url("/limit"), spy), {{"METAREFRESH_MAXDELAY", "5"}});
  EXPECT_EQ(server.arrivals("/next").size(), 0u) << "as Scrapy, only delays strictly below the maximum";
  EXPECT_EQ(limited.stats.get("redirect/count"), 0);
}

TEST(MetaRefresh, RefreshLoopStopsAsARedirectLoop) {
  test_server server;
  server.route("/a", [](const test_request&) { return refresh_to("0; url=/b"); });
  server.route("/b", [](const test_request&) { return refresh_to("0; url=/a"); });
  item_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server.url("/a"), spy));

  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(server.arrivals("/a").size(), 1u);
  EXPECT_EQ(server.arrivals("/b").size(), 1u);
  EXPECT_EQ(result.stats.get("redirect/loop_count"), 1);
  EXPECT_EQ(result.stats.get("downloader/exception_type_count/redirect_loop"), 1);
  EXPECT_TRUE(spy->parsed_urls.empty());
  EXPECT_EQ(spy->failures, std::vector<std::string>{"redirect_loop"});
}

TEST(MetaRefresh, RedirectMaxTimesCountsRefreshes) {
  test_server server;
  for (int i = 0; i < 4; ++i)
    server.route(fmt::format("/{}", i), [i](const test_request&) { return refresh_to(fmt::format("0; url=/{}", i + 1)); });
  item_spider* spy = nullptr;
  auto result = run_crawl(spider_for(server.url("/0"), spy), {{"REDIRECT_MAX_TIMES", "2"}});

  EXPECT_EQ(server.arrivals("/2").size(), 1u);
  EXPECT_EQ(server.arrivals("/3").size(), 0u);
  EXPECT_EQ(result.stats.get("redirect/max_reached"), 1);
  EXPECT_EQ(spy->failures, std::vector<std::string>{"too_many_redirects"});
}

TEST(MetaRefresh, NotFollowedOutsideHtmlInIgnoredTagsWithDontRedirectOrWhenDisabled) {
  test_server server;
  server.route("/text", [](const test_request&) {
    auto reply = refresh_to("0; url=/next");
    reply.headers.set("Content-Type", "text/plain");
    return reply;
  });
  server.route("/hidden", [](const test_request&) {
    return test_reply{.body = R"(<noscript><meta http-equiv="refresh" content="0; url=/next"></noscript>)"};
  });
  server.route("/page", [](const test_request&) { return refresh_to("0; url=/next"); });
  server.route("/next", [](const test_request&) { return final_page(); });
  item_spider* spy = nullptr;

  auto text = run_crawl(spider_for(server.url("/text"), spy));
  EXPECT_EQ(spy->parsed_urls, std::vector<std::string>{server.url("/text")});
  auto hidden = run_crawl(spider_for(server.url("/hidden"), spy), {{"METAREFRESH_IGNORE_TAGS", "script,noscript"}});
  EXPECT_EQ(spy->parsed_urls, std::vector<std::string>{server.url("/hidden")});
  auto disabled = run_crawl(spider_for(server.url("/page"), spy), {{"METAREFRESH_ENABLED", "false"}});
  EXPECT_EQ(spy->parsed_urls, std::vector<std::string>{server.url("/page")});
  auto opted_out = std::make_unique<start_request_spider>();
  opted_out->first = request(server.url("/page"));
  opted_out->first.meta["dont_redirect"] = true;
  spy = opted_out.get();
  auto kept = run_crawl(std::move(opted_out));
  EXPECT_EQ(spy->parsed_urls, std::vector<std::string>{server.url("/page")});
  EXPECT_EQ(server.arrivals("/next").size(), 0u);
}
