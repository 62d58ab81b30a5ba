// The `orbweaver` executable as a user runs it: exit statuses, messages, and a crawl from the
// command line into feeds and the SQLite store, against a loopback server.
#include "crawl_runner.hpp"
#include "program_runner.hpp"
#include "test_server.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using orbweaver::testing::read_file;
using orbweaver::testing::run_program;
using orbweaver::testing::program_result;
using orbweaver::testing::test_reply;
using orbweaver::testing::test_request;
using orbweaver::testing::test_server;

class LauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-launcher-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    binary_ = ORBWEAVER_BINARY;  // the build's own path to the target (tests/CMakeLists.txt)
    ASSERT_TRUE(fs::exists(binary_)) << binary_ << " is missing: build the orbweaver target";
  }
  void TearDown() override { fs::remove_all(dir_); }

  program_result run(std::vector<std::string> args) {
    return run_program(binary_, std::move(args), dir_);
  }

  // Runs the binary with standard output and error on a pseudo-terminal, as in a person's shell;
  // `environment` is all it gets. Returns what the terminal showed.
  program_result run_in_terminal(std::vector<std::string> args, std::vector<std::string> environment) {
    auto started = orbweaver::testing::start_in_terminal(binary_, std::move(args), std::move(environment), dir_, 200);
    program_result result;
    if (started.pid < 0) return result;
    char buffer[4096];
    for (ssize_t n; (n = read(started.terminal, buffer, sizeof buffer)) > 0;)
      result.out.append(buffer, static_cast<std::size_t>(n));
    close(started.terminal);  // read fails with EIO once the child is gone and the terminal hung up
    result.status = orbweaver::testing::wait_for_exit(started.pid);
    return result;
  }

  // One listing page linking to one book page, in the markup the books spider reads.
  void serve_bookshop(test_server& server) {
    auto html = [](std::string body) {
      return [body](const test_request&) {
        test_reply reply{.body = body};
        reply.headers.set("Content-Type", "text/html; charset=utf-8");
        return reply;
      };
    };
    server.route("/", html(R"(<html><body><article class="product_pod"><h3><a href="/book.html">x</a></h3>
      </article></body></html>)"));
    server.route("/book.html", html(R"(<html><body>
      <ul class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/">Poetry, verse</a></li></ul>
      <article class="book"><h1>Café «東京», "quoted"</h1><p class="price">£12.50</p>
      <p class="availability">In stock</p><div class="rating" data-stars="4"></div></article>
      </body></html>)"));
  }

  fs::path dir_;
  fs::path binary_;
};

TEST_F(LauncherTest, HelpAndInformationCommands) {
  auto help = run({"-h"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("Available commands:"), std::string::npos);
  EXPECT_NE(help.out.find("crawl"), std::string::npos);

  auto crawl_help = run({"crawl", "--help"});
  EXPECT_EQ(crawl_help.status, 0);
  EXPECT_NE(crawl_help.out.find("orbweaver crawl [options] <spider>"), std::string::npos);
  EXPECT_NE(crawl_help.out.find("-O FILE, --overwrite-output FILE"), std::string::npos);

  auto version = run({"version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out, "orbweaver " ORBWEAVER_VERSION "\n");
  EXPECT_NE(run({"version", "-v"}).out.find("SQLite    : "), std::string::npos);

  auto list = run({"list"});
  EXPECT_EQ(list.status, 0);
  EXPECT_NE(list.out.find("books\n"), std::string::npos);
}

TEST_F(LauncherTest, SettingsCommandIsTheSettingsReference) {
  auto settings = run({"settings"});
  EXPECT_EQ(settings.status, 0);
  EXPECT_EQ(settings.out, read_file(fs::path(ORBWEAVER_SOURCE_DIR) / "docs" / "settings.md"))
      << "regenerate it: orbweaver settings > docs/settings.md";
}

TEST_F(LauncherTest, MistakesExitTwoBeforeAnyRequest) {
  test_server server;
  serve_bookshop(server);
  const std::string url_arg = "url=" + server.url("/");
  struct mistake {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<mistake> mistakes{
      {{}, "Usage:"},
      {{"fletch"}, "Unknown command: fletch"},
      {{"crawl"}, "missing spider name"},
      {{"crawl", "no-such-spider"}, "unknown spider 'no-such-spider'; known spiders: "},
      {{"crawl", "books", "-x"}, "no such option: -x"},
      {{"crawl", "books", "-a", url_arg, "-s", "CONCURENT_REQUESTS=2"},
       "unknown setting 'CONCURENT_REQUESTS' (did you mean 'CONCURRENT_REQUESTS'?)"},
      {{"crawl", "books", "-a", url_arg, "-s", "CONCURRENT_REQUESTS=two"},
       "invalid value 'two' for setting 'CONCURRENT_REQUESTS': expected an integer"},
      {{"crawl", "books", "-a", url_arg, "-s", "DEPTH_LIMIT"}, "expected KEY=VALUE, got 'DEPTH_LIMIT'"},
      {{"crawl", "books", "-a", url_arg, "-s", R"(DOWNLOAD_SLOTS={"books.example": {"delay": -1}})"},
       "DOWNLOAD_SLOTS: slot 'books.example': 'delay' must not be negative, got -1"},
      {{"crawl", "books", "-a", url_arg, "-s", "DOWNLOAD_SLOTS={\"a\": "},
       "invalid value '{\"a\": ' for setting 'DOWNLOAD_SLOTS': expected a JSON object"},
      {{"crawl", "books", "-a", url_arg, "-s", "SCHEDULER_MEMORY_QUEUE=disk"},
       "SCHEDULER_MEMORY_QUEUE must be fifo or lifo"},
      {{"crawl", "books", "-a", url_arg, "-s", "SCHEDULER_MEMORY_QUEUE_SIZE=-5"},
       "SCHEDULER_MEMORY_QUEUE_SIZE must be 0 (no disk) or a number of requests, got -5"},
      {{"crawl", "books", "-a", url_arg, "-o", "items.xml"}, "cannot export to 'items.xml': unknown format"},
      {{"crawl", "books", "-a", url_arg, "-o", "a.jsonl", "-O", "b.jsonl"}, "use only one of -o/--output and -O"},
      {{"crawl", "books", "-a", url_arg, "-L", "LOUD"}, "unknown log level 'LOUD'"},
      {{"crawl", "books", "-a", url_arg, "-o"}, "option -o/--output requires a value"},
      {{"crawl", "books", "-a", "url"}, "invalid -a value: 'url' (expected NAME=VALUE)"},
  };
  for (const auto& m : mistakes) {
    auto result = run(m.args);
    std::string command_line;
    for (const auto& a : m.args) command_line += " " + a;
    EXPECT_EQ(result.status, 2) << command_line;
    EXPECT_NE(result.err.find(m.message), std::string::npos) << command_line << "\n" << result.err;
  }
  EXPECT_EQ(server.requests_served(), 0u);
}

TEST_F(LauncherTest, CrawlThatCannotStartExitsOne) {
  test_server server;
  serve_bookshop(server);
  std::ofstream(dir_ / "blocker") << "not a directory";
  auto unwritable = run({"crawl", "books", "-a", "url=" + server.url("/"), "-o", "blocker/items.jsonl"});
  EXPECT_EQ(unwritable.status, 1);
  EXPECT_NE(unwritable.err.find("blocker/items.jsonl"), std::string::npos) << unwritable.err;

  std::ofstream(dir_ / "old.json") << "[{\"a\": 1}]\n";
  auto json_append = run({"crawl", "books", "-a", "url=" + server.url("/"), "-o", "old.json"});
  EXPECT_EQ(json_append.status, 1);
  EXPECT_NE(json_append.err.find("overwrite it (-O)"), std::string::npos) << json_append.err;
  EXPECT_EQ(read_file(dir_ / "old.json"), "[{\"a\": 1}]\n") << "a refused feed is left untouched";

  auto bad_store = run({"crawl", "books", "-a", "url=" + server.url("/"), "-s", "STORE_URI=mysql://db/items"});
  EXPECT_EQ(bad_store.status, 1);
  EXPECT_NE(bad_store.err.find("STORE_URI 'mysql://db/items' is not supported"), std::string::npos) << bad_store.err;

  EXPECT_EQ(server.requests_served(), 0u);
}

TEST_F(LauncherTest, CrawlWritesFeedsAndStore) {
  test_server server;
  serve_bookshop(server);
  auto result = run({"crawl", "books", "-a", "url=" + server.url("/"), "-O", "out/items.jsonl", "-O", "out/items.json",
                     "-O", "out/items.csv", "--set=STORE_URI=sqlite:out/items.db", "-L", "INFO", "--logfile",
                     "crawl.log"});
  ASSERT_EQ(result.status, 0) << result.err << read_file(dir_ / "crawl.log");
  EXPECT_EQ(result.err, "") << "the log goes to --logfile";
  auto log = read_file(dir_ / "crawl.log");
  EXPECT_NE(log.find("[launcher] INFO: orbweaver " ORBWEAVER_VERSION " started (bot: orbweaver)"), std::string::npos) << log;
  EXPECT_NE(log.find(R"(Overridden settings: {"FEEDS":"out/items.jsonl,out/items.json,out/items.csv",)"
                     R"("FEED_OVERWRITE":"true","STORE_URI":"sqlite:out/items.db","LOG_FILE":"crawl.log"})"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("[feedexport] INFO: Stored jsonlines feed (1 items) in: out/items.jsonl"), std::string::npos) << log;
  EXPECT_NE(log.find("feedexport/success_count/csv: 1"), std::string::npos) << log;
  EXPECT_NE(log.find("store/items_written: 1"), std::string::npos) << log;

  const std::string title = "Café «東京», \"quoted\"";
  auto line = boost::json::parse(read_file(dir_ / "out/items.jsonl")).as_object();
  EXPECT_EQ(line.at("title").as_string(), title);
  EXPECT_EQ(line.at("category").as_string(), "Poetry, verse");
  auto array = boost::json::parse(read_file(dir_ / "out/items.json")).as_array();
  ASSERT_EQ(array.size(), 1u);
  EXPECT_EQ(array[0].as_object(), line);
  auto csv = read_file(dir_ / "out/items.csv");
  EXPECT_TRUE(csv.starts_with("title,price,availability,rating,url,category\r\n")) << csv;
  EXPECT_NE(csv.find("\"Café «東京», \"\"quoted\"\"\",12.5,In stock,4,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",\"Poetry, verse\"\r\n"), std::string::npos) << csv;

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "out/items.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT spider, json_extract(data, '$.title') FROM items", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "books");
  EXPECT_EQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)), title);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  // -o appends to a JSON lines feed.
  auto again = run({"crawl", "books", "-a", "url=" + server.url("/"), "-o", "out/items.jsonl", "-L", "ERROR"});
  ASSERT_EQ(again.status, 0) << again.err;
  std::istringstream lines(read_file(dir_ / "out/items.jsonl"));
  int count = 0;
  for (std::string l; std::getline(lines, l);) ++count;
  EXPECT_EQ(count, 2);
}

}  // namespace

namespace {

// Feed URIs as Scrapy writes them: "-:jsonl" is standard output, "FILE:csv" names the format.
TEST_F(LauncherTest, FeedsToStandardOutputAndFormatAfterAColon) {
  test_server server;
  serve_bookshop(server);
  auto result = run({"crawl", "books", "-a", "url=" + server.url("/"), "-o", "-:jsonl", "-o", "items.out:csv"});
  ASSERT_EQ(result.status, 0) << result.err;
  auto line = boost::json::parse(result.out).as_object();  // exactly one JSON object: no log on stdout
  EXPECT_EQ(line.at("title").as_string(), "Café «東京», \"quoted\"");
  EXPECT_NE(result.err.find("Stored jsonlines feed (1 items) in: stdout:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("Stored csv feed (1 items) in: items.out"), std::string::npos) << result.err;
  EXPECT_TRUE(read_file(dir_ / "items.out").starts_with("title,price,availability,rating,url,category\r\n"));

  auto no_format = run({"crawl", "books", "-a", "url=" + server.url("/"), "-o", "-"});
  EXPECT_EQ(no_format.status, 2);
  EXPECT_NE(no_format.err.find("cannot export to '-': unknown format"), std::string::npos) << no_format.err;
}

// Scrapy's DEBUG lines for items and for the first (or, with DUPEFILTER_DEBUG, every) duplicate.
TEST_F(LauncherTest, DebugLinesForItemsAndDuplicates) {
  test_server server;
  serve_bookshop(server);
  // Two links to the same book: the second is a duplicate.
  server.route("/", [](const test_request&) {
    test_reply reply{.body = R"(<html><body><article class="product_pod"><h3><a href="/book.html">x</a></h3></article>
      <article class="product_pod"><h3><a href="/book.html">again</a></h3></article></body></html>)"};
    reply.headers.set("Content-Type", "text/html; charset=utf-8");
    return reply;
  });
  auto result = run({"crawl", "books", "-a", "url=" + server.url("/"), "-L", "DEBUG"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.err.find("[scraper] DEBUG: Scraped from <200 " + server.url("/book.html") + ">\n{\"title\":"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("[dupefilter] DEBUG: Filtered duplicate request: <GET " + server.url("/book.html") +
                            "> - no more duplicates will be shown (see DUPEFILTER_DEBUG to show all duplicates)"),
            std::string::npos)
      << result.err;

  auto every = run({"crawl", "books", "-a", "url=" + server.url("/"), "-L", "DEBUG", "-s", "DUPEFILTER_DEBUG=true"});
  ASSERT_EQ(every.status, 0) << every.err;
  EXPECT_NE(every.err.find("Filtered duplicate request: <GET " + server.url("/book.html") + "> (referer: " +
                           server.url("/") + ")"),
            std::string::npos)
      << every.err;

  auto quiet = run({"crawl", "books", "-a", "url=" + server.url("/")});
  EXPECT_EQ(quiet.err.find("Scraped from"), std::string::npos) << "DEBUG only";
}

}  // namespace

namespace {

// On a terminal: the status line, redrawn in place (\r, erase line), and coloured level names;
// through a pipe or a file, neither.
TEST_F(LauncherTest, StatusLineAndColoursOnlyOnATerminal) {
  test_server server;
  serve_bookshop(server);
  // A slow book page keeps the crawl going past a redraw of the status line (once a second).
  server.route("/book.html", [](const test_request&) {
    return test_reply{.body = R"(<html><body><article class="book"><h1>Slow</h1><p class="price">1</p></article>
      </body></html>)", .delay = std::chrono::milliseconds(1500)};
  });
  const std::vector<std::string> crawl{"crawl", "books", "-a", "url=" + server.url("/")};

  auto terminal = run_in_terminal(crawl, {"TERM=xterm"});
  ASSERT_EQ(terminal.status, 0) << terminal.out;
  EXPECT_NE(terminal.out.find("\r\033[K[0:01] 1 pages ("), std::string::npos) << terminal.out;
  EXPECT_NE(terminal.out.find(", 0 items, 0 errors | 0 queued, 1 in flight"), std::string::npos) << terminal.out;
  EXPECT_NE(terminal.out.find("[engine] \033[32mINFO\033[0m: Spider opened"), std::string::npos) << terminal.out;
  EXPECT_EQ(terminal.out.find("[logstats]"), std::string::npos) << "the status line replaces LOGSTATS lines";

  auto no_color = run_in_terminal(crawl, {"TERM=xterm", "NO_COLOR=1"});
  ASSERT_EQ(no_color.status, 0) << no_color.out;
  EXPECT_NE(no_color.out.find("\r\033[K[0:00] 0 pages ("), std::string::npos) << no_color.out;
  EXPECT_NE(no_color.out.find("[engine] INFO: Spider opened"), std::string::npos) << no_color.out;
  EXPECT_EQ(no_color.out.find("\033[3"), std::string::npos) << no_color.out;

  auto log_file = run_in_terminal({"crawl", "books", "-a", "url=" + server.url("/"), "--logfile", "crawl.log"},
                                  {"TERM=xterm"});
  ASSERT_EQ(log_file.status, 0) << log_file.out;
  EXPECT_EQ(log_file.out.find(" pages ("), std::string::npos) << log_file.out;
  EXPECT_EQ(read_file(dir_ / "crawl.log").find('\033'), std::string::npos);

  auto piped = run(crawl);  // standard error is a file
  ASSERT_EQ(piped.status, 0) << piped.err;
  EXPECT_EQ(piped.err.find('\r'), std::string::npos) << piped.err;
  EXPECT_EQ(piped.err.find('\033'), std::string::npos) << piped.err;
  EXPECT_NE(piped.err.find("[engine] INFO: Spider opened"), std::string::npos) << piped.err;
}

}  // namespace
