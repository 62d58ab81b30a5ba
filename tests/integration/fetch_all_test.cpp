// fetch_all: many URLs at once through the downloader, its slots and middlewares, each result a
// response or an error in the order given; its awaitable form inside a crawl; and the example
// program of the docs against its expected output.
#include "crawl_runner.hpp"
#include "program_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

settings quiet(const setting_overrides& overrides = {}) {
  settings s;
  s.set("LOG_LEVEL", "WARNING", setting_priority::command_line);
  for (const auto& [name, value] : overrides) s.set(name, value, setting_priority::command_line);
  return s;
}

// A URL on a port where nothing listens: a server that has come and gone.
std::string refusing_url() {
  test_server gone;
  return gone.url("/");
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

TEST(FetchAll, EachUrlGetsAResponseOrAnErrorInTheOrderGiven) {
  test_server server;
  server.route("/a", [](const test_request&) { return test_reply{.body = "first", .delay = 100ms}; });
  server.route("/b", [](const test_request&) { return test_reply{.body = "second"}; });
  const std::string refused = refusing_url();
  const std::vector<std::string> urls{server.url("/a"), "not a url", server.url("/nothing"), "ftp://example.com/",
                                      refused, server.url("/b")};
  auto results = fetch_all(urls, quiet({{"RETRY_ENABLED", "false"}}));
  ASSERT_EQ(results.size(), urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) EXPECT_EQ(results[i].url, urls[i]);
  ASSERT_TRUE(results[0].resp);
  EXPECT_EQ(results[0].resp->body(), "first") << "the slow one first, as asked";
  EXPECT_EQ(results[1].error, errc::bad_url);
  EXPECT_EQ(results[1].message, "cannot request 'not a url': malformed URL");
  ASSERT_TRUE(results[2].resp) << "a 404 is a response";
  EXPECT_EQ(results[2].resp->status(), 404);
  EXPECT_EQ(results[3].error, errc::unsupported_scheme);
  EXPECT_FALSE(results[4].resp);
  EXPECT_EQ(results[4].error, errc::connect_failed);
  EXPECT_NE(results[4].message.find("Connection refused"), std::string::npos) << results[4].message;
  ASSERT_TRUE(results[5].resp);
  EXPECT_EQ(results[5].resp->body(), "second");
  EXPECT_TRUE(fetch_all({}, quiet()).empty());
}

TEST(FetchAll, DownloadsConcurrentlyWithinTheSlotsLimits) {
  test_server server;
  server.route("/slow", [](const test_request&) { return test_reply{.body = "slow", .delay = 300ms}; });
  std::vector<std::string> urls;
  for (int i = 0; i < 4; ++i) {
    urls.push_back(server.url("/slow?n=" + std::to_string(i)));
    urls.push_back(server.url("/slow?n=" + std::to_string(i), "localhost"));
  }
  const auto started = std::chrono::steady_clock::now();
  auto results = fetch_all(urls, quiet({{"CONCURRENT_REQUESTS_PER_DOMAIN", "2"}}));
  const auto took = std::chrono::steady_clock::now() - started;
  for (const auto& r : results) ASSERT_TRUE(r.resp) << r.url << ": " << r.message;
  EXPECT_EQ(server.requests_served(), 8u);
  EXPECT_EQ(server.peak_concurrency("127.0.0.1"), 2u) << "CONCURRENT_REQUESTS_PER_DOMAIN";
  EXPECT_EQ(server.peak_concurrency("localhost"), 2u);
  EXPECT_EQ(server.peak_concurrency(), 4u);
  EXPECT_LT(took, 8 * 300ms) << "not one after the other";

  test_server second;
  second.route("/slow", [](const test_request&) { return test_reply{.body = "slow", .delay = 100ms}; });
  std::vector<std::string> many;
  for (int i = 0; i < 12; ++i) many.push_back(second.url("/slow?n=" + std::to_string(i), i % 2 ? "localhost" : "127.0.0.1"));
  auto limited = fetch_all(many, quiet({{"CONCURRENT_REQUESTS", "3"}}));
  EXPECT_EQ(limited.size(), 12u);
  EXPECT_EQ(second.peak_concurrency(), 3u) << "CONCURRENT_REQUESTS over all hosts";
}

TEST(FetchAll, GoesThroughTheDownloaderMiddlewaresAndTheHttpCache) {
  test_server server;
  std::atomic<int> flaky_calls{0};
  server.route("/flaky", [&](const test_request&) {
    return ++flaky_calls == 1 ? test_reply{.status = 503} : test_reply{.body = "recovered"};
  });
  server.route("/old", [](const test_request&) { return test_reply{.status = 301, .headers = {{"Location", "/new"}}}; });
  server.route("/new", [](const test_request&) { return test_reply{.body = "moved here"}; });
  const fs::path cache = fs::temp_directory_path() / ("orbweaver-fetch-all-cache-" + std::to_string(::getpid()));
  fs::remove_all(cache);
  // As in Scrapy, the cache (900) sees a response before retry (550) does: a 503 kept in it would
  // answer the retry too, so retried statuses stay out of it.
  const setting_overrides cached{{"HTTPCACHE_ENABLED", "true"},
                                 {"HTTPCACHE_DIR", cache.string()},
                                 {"HTTPCACHE_IGNORE_HTTP_CODES", "503"}};
  const std::vector<std::string> urls{server.url("/flaky"), server.url("/old")};

  auto first = fetch_all(urls, quiet(cached));
  ASSERT_TRUE(first[0].resp && first[1].resp);
  EXPECT_EQ(first[0].resp->body(), "recovered") << "retried";
  EXPECT_EQ(first[1].resp->body(), "moved here") << "redirected";
  EXPECT_EQ(first[1].resp->url(), server.url("/new"));
  EXPECT_EQ(server.requests_served(), 4u);
  EXPECT_TRUE(fs::exists(cache / "fetch_all")) << "the cache of fetch_all's own spider";

  auto again = fetch_all(urls, quiet(cached));
  ASSERT_TRUE(again[0].resp && again[1].resp);
  EXPECT_EQ(again[0].resp->body(), "recovered");
  EXPECT_EQ(again[0].resp->flags(), std::vector<std::string>{"cached"});
  EXPECT_EQ(again[1].resp->body(), "moved here");
  EXPECT_EQ(server.requests_served(), 4u) << "all from the cache";
  fs::remove_all(cache);
}

namespace {

// A user's pipeline that looks up every link of an item at once inside the crawl.
std::mutex checked_mutex;
std::vector<std::string> checked;  // "status url" of every link checked

class link_checker : public item_pipeline {
 public:
  bool open(crawler& c) override {
    crawler_ = &c;
    return true;
  }
  boost::asio::awaitable<void> process_item(item& it, spider&) override {
    std::vector<std::string> links;
    for (const auto& link : it.at("links").as_array()) links.emplace_back(link.as_string());
    auto fetch = fetch_all(*crawler_, links);
    auto results = co_await std::move(fetch);
    std::lock_guard lock(checked_mutex);
    for (const auto& r : results)
      checked.push_back(fmt::format("{} {}", r.resp ? std::to_string(r.resp->status()) : error_name(r.error), r.url));
  }

 private:
  crawler* crawler_ = nullptr;
};
ORBWEAVER_PIPELINE(link_checker, "test_link_checker");

class link_lister : public spider {
 public:
  explicit link_lister(std::string url, std::vector<std::string> links) : links_(std::move(links)) {
    name = "link_lister";
    start_urls = {std::move(url)};
  }
  void parse(const response&, output& out) override {
    json::array links(links_.begin(), links_.end());
    out.emit(item{{"links", std::move(links)}});
  }

 private:
  std::vector<std::string> links_;
};

}  // namespace

TEST(FetchAll, TheAwaitableFormRunsInsideACrawl) {
  test_server server;
  server.route("/", [](const test_request&) { return test_reply{.body = "<html></html>"}; });
  server.route("/ok", [](const test_request&) { return test_reply{.body = "ok"}; });
  const std::vector<std::string> links{server.url("/ok"), server.url("/gone"), "mailto:someone@example.com"};
  checked.clear();
  auto result = run_finished_crawl(std::make_unique<link_lister>(server.url("/"), links),
                                   {{"ITEM_PIPELINES", "test_link_checker=300"}});
  EXPECT_EQ(result.stats.get("item_scraped_count"), 1);
  EXPECT_EQ(checked, (std::vector<std::string>{"200 " + links[0], "404 " + links[1], "unsupported_scheme " + links[2]}));
}

TEST(FetchAll, TheExampleProgramPrintsWhatItsExpectedFileSays) {
  const fs::path source = ORBWEAVER_SOURCE_DIR;
  test_server server;
  server.route("/", [](const test_request&) { return test_reply{.body = "<html><p>home</p></html>"}; });
  server.route("/slow", [](const test_request&) { return test_reply{.body = "took its time", .delay = 200ms}; });
  server.route("/moved", [](const test_request&) { return test_reply{.status = 302, .headers = {{"Location", "/"}}}; });
  server.route("/missing", [](const test_request&) { return test_reply{.status = 404, .body = "no such page"}; });
  const std::string refused = refusing_url();
  const std::string site = server.url("");
  const std::string closed = refused.substr(0, refused.size() - 1);
  const fs::path dir = fs::temp_directory_path() / ("orbweaver-fetch-all-example-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto run = run_program(ORBWEAVER_FETCH_ALL_EXAMPLE,
                         {site + "/slow", site + "/", site + "/moved", site + "/missing", "not a url", closed + "/"}, dir);
  fs::remove_all(dir);

  std::string expected = read_file(source / "tests/examples/fetch_all.expected");
  replace_all(expected, "{site}", site);
  replace_all(expected, "{closed}", closed.substr(closed.find("//") + 2));
  EXPECT_EQ(run.out, expected) << run.err;
  EXPECT_EQ(run.status, 1) << "a URL failed";
  EXPECT_GE(server.peak_concurrency(), 2u) << "at once, not one after the other";
}
