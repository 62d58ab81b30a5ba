// A user's mistakes inside callbacks, in a real crawl: each is one log line naming the spider, the
// callback and the request, counted, and the crawl goes on with every other item kept.
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <set>
#include <sstream>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

namespace fs = std::filesystem;

// An index linking four book pages: /book/1 and /book/4 are fine, /book/2 has no subtitle,
// /book/3 was linked without the cb_kwarg its callback reads; /data is an array where the spider
// expects a string.
class mistakes_spider : public spider {
 public:
  mistakes_spider() { name = "mistakes"; }

  void parse(const response& r, output& out) override {
    for (const auto& link : r.css("a.book")) {
      const auto href = link.attrib("href").value_or("");
      if (href.ends_with("/3"))
        out.follow(href, &mistakes_spider::parse_book);
      else
        out.follow(href, &mistakes_spider::parse_book, {.cb_kwargs = {{"shelf", 7}}});
    }
    out.follow("/data", &mistakes_spider::parse_data);
  }

  void parse_book(const response& r, output& out) {
    out.emit(item{{"url", r.url()}, {"title", r.css("h1::text").get()}});
    const int shelf = r.cb_kwarg<int>("shelf");
    out.emit(item{{"url", r.url()}, {"shelf", shelf}, {"subtitle", r.css("h2.subtitle::text").front().get()}});
  }

  void parse_data(const response& r, output& out) { out.emit(item{{"name", json::value_to<std::string>(r.json())}}); }
};

ORBWEAVER_SPIDER(mistakes_spider, parse_book, parse_data);

test_reply html_reply(std::string body) {
  test_reply reply{.body = std::move(body)};
  reply.headers.set("Content-Type", "text/html");
  return reply;
}

std::vector<std::string> lines_containing(const std::string& text, std::string_view needle) {
  std::vector<std::string> found;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.find(needle) != std::string::npos) found.push_back(line);
  return found;
}

}  // namespace

TEST(SpiderErrors, ThrowingCallbackIsOneLineNamingSpiderCallbackAndRequest) {
  test_server server;
  server.route("/", [](const test_request&) {
    return html_reply(R"(<a class=book href="/book/1">1</a><a class=book href="/book/2">2</a>
                   <a class=book href="/book/3">3</a><a class=book href="/book/4">4</a>)");
  });
  for (const char* id : {"1", "3", "4"})
    server.route(std::string("/book/") + id, [id](const test_request&) {
      return html_reply(fmt::format("<h1>Book {}</h1><h2 class=subtitle>Part {}</h2>", id, id));
    });
  server.route("/book/2", [](const test_request&) { return html_reply("<h1>Book 2</h1>"); });
  server.route("/data", [](const test_request&) {
    test_reply reply{.body = "[1, 2]"};
    reply.headers.set("Content-Type", "application/json");
    return reply;
  });
  const fs::path feed = fs::temp_directory_path() / ("orbweaver-spider-errors-" + std::to_string(::getpid()) + ".jsonl");
  fs::remove(feed);

  auto s = std::make_unique<mistakes_spider>();
  s->start_urls = {server.url("/")};
  auto result = run_crawl_with_log(std::move(s), {{"LOG_LEVEL", "INFO"}, {"FEEDS", feed.string()}});
  EXPECT_EQ(result.reason, "finished");

  const std::string index = server.url("/");
  const auto errors = lines_containing(result.log, "Spider error processing");
  ASSERT_EQ(errors.size(), 3u) << result.log;
  auto line_for = [&](std::string_view path) {
    auto lines = lines_containing(result.log, fmt::format("Spider error processing <GET {}>", server.url(std::string(path))));
    return lines.size() == 1 ? lines[0] : std::string("(no single line for ") + std::string(path) + ")";
  };
  EXPECT_TRUE(line_for("/book/2").ends_with(fmt::format(
      "[scraper] ERROR: Spider error processing <GET {}> (referer: {}) in spider 'mistakes', callback 'parse_book': "
      "orbweaver::empty_selection: css(\"h2.subtitle::text\") matched nothing, so it has no element [0]; get() and "
      "first() give a default or nullopt when nothing matches",
      server.url("/book/2"), index)))
      << line_for("/book/2");
  EXPECT_TRUE(line_for("/book/3").ends_with(fmt::format(
      "Spider error processing <GET {}> (referer: {}) in spider 'mistakes', callback 'parse_book': "
      "orbweaver::value_error: cb_kwargs[\"shelf\"]: expected int, found nothing (cb_kwargs is empty)",
      server.url("/book/3"), index)))
      << line_for("/book/3");
  // Boost.JSON's error without its header path.
  EXPECT_TRUE(line_for("/data").ends_with(
      "in spider 'mistakes', callback 'parse_data': boost::system::system_error: value is not a string (boost.json)"))
      << line_for("/data");
  EXPECT_EQ(result.log.find("/usr/include"), std::string::npos) << result.log;

  EXPECT_EQ(result.stats.get("spider_exceptions/count"), 3);
  EXPECT_EQ(result.stats.get("spider_exceptions/orbweaver::empty_selection"), 1);
  EXPECT_EQ(result.stats.get("spider_exceptions/orbweaver::value_error"), 1);
  EXPECT_EQ(result.stats.get("spider_exceptions/boost::system::system_error"), 1);

  // Each book's first item, emitted before the mistake, and the two whole books.
  std::multiset<std::string> items;
  std::istringstream lines(read_file(feed));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) items.insert(line);
  fs::remove(feed);
  const std::multiset<std::string> expected{
      fmt::format(R"({{"url":"{}","title":"Book 1"}})", server.url("/book/1")),
      fmt::format(R"({{"url":"{}","title":"Book 2"}})", server.url("/book/2")),
      fmt::format(R"({{"url":"{}","title":"Book 3"}})", server.url("/book/3")),
      fmt::format(R"({{"url":"{}","title":"Book 4"}})", server.url("/book/4")),
      fmt::format(R"({{"url":"{}","shelf":7,"subtitle":"Part 1"}})", server.url("/book/1")),
      fmt::format(R"({{"url":"{}","shelf":7,"subtitle":"Part 4"}})", server.url("/book/4")),
  };
  EXPECT_EQ(items, expected);
}

namespace {

// Start requests (no referer): parse() throws on the index, the errback throws on a 404.
class failing_start_spider : public spider {
 public:
  failing_start_spider() { name = "failing_start"; }

  std::vector<request> start_requests() override {
    std::vector<request> requests;
    for (const auto& url : start_urls) requests.emplace_back(url, &spider::parse, &failing_start_spider::on_error);
    return requests;
  }
  void parse(const response& r, output&) override { throw std::logic_error("no parse for " + r.url()); }
  void on_error(const failure& f, output&) { throw std::runtime_error("errback gave up on " + f.req.url); }
};

ORBWEAVER_SPIDER(failing_start_spider, on_error);

}  // namespace

TEST(SpiderErrors, StartRequestsHaveNoRefererAndErrbacksAreNamed) {
  test_server server;
  server.route("/", [](const test_request&) { return html_reply("<p>index</p>"); });
  server.route("/missing", [](const test_request&) { return test_reply{.status = 404}; });
  auto s = std::make_unique<failing_start_spider>();
  s->start_urls = {server.url("/"), server.url("/missing")};
  auto result = run_crawl_with_log(std::move(s), {{"LOG_LEVEL", "INFO"}});
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(lines_containing(result.log, "Spider error processing").size(), 2u) << result.log;
  EXPECT_NE(result.log.find(fmt::format("Spider error processing <GET {}> (referer: None) in spider 'failing_start', "
                                        "callback 'parse': std::logic_error: no parse for {}",
                                        server.url("/"), server.url("/"))),
            std::string::npos)
      << result.log;
  EXPECT_NE(result.log.find(fmt::format("Spider error processing <GET {}> (referer: None) in spider 'failing_start', "
                                        "errback 'on_error': std::runtime_error: errback gave up on {}",
                                        server.url("/missing"), server.url("/missing"))),
            std::string::npos)
      << result.log;
  EXPECT_EQ(result.stats.get("spider_exceptions/count"), 2);
}

namespace {

class no_start_spider : public spider {
 public:
  no_start_spider() { name = "no_start"; }
  std::vector<request> start_requests() override {
    (void)json::parse("{\"pages\": }");  // Boost.JSON's own exception, with its source location in what()
    return {};
  }
};

}  // namespace

TEST(SpiderErrors, ThrowingStartRequestsIsOneLine) {
  auto result = run_crawl_with_log(std::make_unique<no_start_spider>(), {{"LOG_LEVEL", "INFO"}});
  EXPECT_EQ(result.reason, "finished");
  EXPECT_NE(result.log.find("[engine] ERROR: Error while obtaining start requests in spider 'no_start': "
                            "boost::system::system_error: syntax error (boost.json)\n"),
            std::string::npos)
      << result.log;
  EXPECT_EQ(result.log.find("/usr/include"), std::string::npos) << result.log;
  EXPECT_EQ(result.stats.get("spider_exceptions/boost::system::system_error"), 1);
}
