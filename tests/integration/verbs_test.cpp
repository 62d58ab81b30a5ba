// orbweaver fetch, parse, shell and version -v as a user runs them, against the bundled bookshop
// (sample_site/www) served on loopback. The in-tree launcher has the example spiders (books);
// verbs_test_launcher has the echo spider of tests/verbs.
#include "crawl_runner.hpp"
#include "program_runner.hpp"
#include "static_site.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace orbweaver::testing;

class VerbsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-verbs-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    serve_directory(server_, fs::path(ORBWEAVER_SOURCE_DIR) / "sample_site" / "www");
  }
  void TearDown() override { fs::remove_all(dir_); }

  program_result run(std::vector<std::string> args, const std::string& input = {}) {
    return run_program(ORBWEAVER_BINARY, std::move(args), dir_, input);
  }
  program_result run_echo(std::vector<std::string> args) {
    return run_program(ORBWEAVER_VERBS_LAUNCHER, std::move(args), dir_);
  }
  std::string url(std::string_view path, std::string_view host = "127.0.0.1") const { return server_.url(path, host); }

  test_server server_;
  fs::path dir_;
};

std::string sample_file(std::string_view path) {
  return read_file(fs::path(ORBWEAVER_SOURCE_DIR) / "sample_site" / "www" / path);
}

const std::string items_rule = "# Scraped Items  " + std::string(60, '-') + "\n";
const std::string requests_rule = "# Requests  " + std::string(65, '-') + "\n";

TEST_F(VerbsTest, FetchPrintsTheBodyThroughTheMiddlewares) {
  server_.route("/agent", [](const test_request& r) {
    return test_reply{.body = std::string(r.headers.get("User-Agent").value_or("none"))};
  });
  server_.route("/missing", [](const test_request&) { return test_reply{.status = 404, .body = "not here"}; });

  auto page = run({"fetch", "--nolog", url("/category/travel/page-1.html")});
  EXPECT_EQ(page.status, 0) << page.err;
  EXPECT_EQ(page.out, sample_file("category/travel/page-1.html"));
  EXPECT_EQ(page.err, "");

  // -s reaches the user-agent middleware; a spider's custom_settings too with --spider.
  auto agent = run({"fetch", "--nolog", "-s", "USER_AGENT=probe/2.0", url("/agent")});
  EXPECT_EQ(agent.out, "probe/2.0");
  auto spider_agent = run_echo({"fetch", "--nolog", "--spider", "echo", url("/agent")});
  EXPECT_EQ(spider_agent.out, "echo-spider/1.0") << spider_agent.err;

  // As Scrapy's fetch: an error status is printed too.
  auto missing = run({"fetch", "--nolog", url("/missing")});
  EXPECT_EQ(missing.status, 0);
  EXPECT_EQ(missing.out, "not here");
}

TEST_F(VerbsTest, FetchHeadersShowsRequestAndResponse) {
  auto result = run({"fetch", "--nolog", "--headers", "-s", "USER_AGENT=probe/2.0", url("/index.html")});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("> User-Agent: probe/2.0\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\n>\n< "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("< Content-Type: text/html; charset=utf-8\n"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("<html"), std::string::npos);
}

TEST_F(VerbsTest, FetchThatFailsSaysWhyAndExitsOne) {
  auto refused = run({"fetch", "--nolog", "-s", "RETRY_ENABLED=false", "http://127.0.0.1:1/"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_NE(refused.err.find("orbweaver fetch: error: Error downloading <GET http://127.0.0.1:1/>"), std::string::npos)
      << refused.err;

  // robots.txt is fetched by its middleware inside the download, and forbids the page.
  server_.route("/robots.txt", [](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "text/plain"}}, .body = "User-agent: *\nDisallow: /book/\n"};
  });
  auto forbidden = run({"fetch", "--nolog", "-s", "ROBOTSTXT_OBEY=true", url("/book/fjords-ferries-fog.html")});
  EXPECT_EQ(forbidden.status, 1);
  EXPECT_NE(forbidden.err.find("robots"), std::string::npos) << forbidden.err;

  auto bad = run({"fetch", "http://[nope/"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("invalid URL"), std::string::npos) << bad.err;
  EXPECT_EQ(run({"fetch"}).status, 2);
}

TEST_F(VerbsTest, ParsePrintsWhatTheDefaultCallbackYields) {
  auto result = run({"parse", "--nolog", "--spider", "books", url("/category/travel/page-1.html")});
  EXPECT_EQ(result.status, 0) << result.err;
  std::string expected = "\n>>> STATUS DEPTH LEVEL: 1 <<<\n" + items_rule + "[]\n\n" + requests_rule;
  const char* books[] = {"a-walk-through-kyoto", "the-road-to-samarkand", "cafe-society-paris-beyond",
                         "fjords-ferries-fog", "under-the-sao-paulo-sky"};
  for (std::size_t i = 0; i < 5; ++i)
    expected += (i == 0 ? "[" : " ") + ("<GET " + url("/book/") + books[i] + ".html>,\n");
  expected += " <GET " + url("/category/travel/page-2.html") + ">]\n\n";
  EXPECT_EQ(result.out, expected);
}

TEST_F(VerbsTest, ParseWithANamedCallback) {
  auto result = run({"parse", "--nolog", "--spider", "books", "-c", "parse_book", url("/book/fjords-ferries-fog.html")});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "\n>>> STATUS DEPTH LEVEL: 1 <<<\n" + items_rule +
                            R"~([{"title":"Fjords, Ferries & Fog","price":22.65,"availability":"In stock (19 available)",)~"
                            R"("rating":5,"url":")" + url("/book/fjords-ferries-fog.html") +
                            R"(","category":"Travel"}])" "\n\n" + requests_rule + "[]\n\n");
}

TEST_F(VerbsTest, ParseFollowsRequestsToTheGivenDepth) {
  auto result = run({"parse", "--nolog", "--spider", "books", "--depth", "2", url("/category/travel/page-1.html")});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out.rfind("\n>>> STATUS DEPTH LEVEL: 2 <<<\n" + items_rule, 0), 0u) << result.out;
  // Level 2: parse_book on the five books (their items), parse on page 2 (its requests).
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '{'), 5) << result.out;
  EXPECT_NE(result.out.find(R"("title":"Under the São Paulo Sky")"), std::string::npos);
  EXPECT_NE(result.out.find("<GET " + url("/category/travel/page-3.html") + ">]"), std::string::npos);
  EXPECT_EQ(result.out.find("page-2.html>"), std::string::npos) << "level 1's requests are not shown";

  auto verbose = run({"parse", "--nolog", "--spider", "books", "-d", "2", "-v", url("/category/travel/page-1.html")});
  EXPECT_EQ(verbose.status, 0) << verbose.err;
  auto level1 = verbose.out.find("\n>>> DEPTH LEVEL: 1 <<<\n" + items_rule + "[]\n");
  auto level2 = verbose.out.find("\n>>> DEPTH LEVEL: 2 <<<\n");
  EXPECT_NE(level1, std::string::npos) << verbose.out;
  EXPECT_NE(level2, std::string::npos) << verbose.out;
  EXPECT_LT(level1, level2);
  EXPECT_NE(verbose.out.find("page-2.html>]"), std::string::npos) << "level 1's requests, last page-2";
}

TEST_F(VerbsTest, ParseHandsMetaAndCallbackArguments) {
  auto result = run_echo({"parse", "--nolog", "--spider", "echo", "-c", "show_arguments", "--meta", R"({"note":"hi"})",
                          "--cbkwargs", R"({"page":2})", url("/index.html")});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find(R"([{"cb_kwargs":{"page":2},"note":"hi"}])"), std::string::npos) << result.out;
}

TEST_F(VerbsTest, ParseFindsTheSpiderByTheUrlsHost) {
  // The echo spider's allowed_domains is localhost; -d 2 runs its show_arguments on the categories.
  auto result = run_echo({"parse", "--nolog", "-d", "2", url("/index.html", "localhost")});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find(R"([{"title":"Home | Orbweaver Books"},)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(R"( {"cb_kwargs":{},"note":null})"), std::string::npos) << result.out;

  // 127.0.0.1 is the host of the example spiders' start URLs: parse asks which one.
  auto several = run({"parse", url("/index.html")});
  EXPECT_EQ(several.status, 2);
  EXPECT_NE(several.err.find("several spiders handle " + url("/index.html") + ": books, catalog, jobs, top250"), std::string::npos)
      << several.err;
  auto none = run_echo({"parse", url("/index.html")});
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("no spider handles"), std::string::npos) << none.err;
}

TEST_F(VerbsTest, ParseMistakesAreUsageErrors) {
  auto unknown = run({"parse", "--spider", "books", "-c", "parse_nothing", url("/index.html")});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("spider 'books' has no callback 'parse_nothing'; its callbacks: parse, parse_book"),
            std::string::npos)
      << unknown.err;

  auto meta = run({"parse", "--spider", "books", "--meta", "{not json", url("/index.html")});
  EXPECT_EQ(meta.status, 2);
  EXPECT_NE(meta.err.find("invalid JSON in --meta: "), std::string::npos) << meta.err;
  EXPECT_NE(meta.err.find("at line 1, column "), std::string::npos) << meta.err;
  auto kwargs = run({"parse", "--spider", "books", "--cbkwargs", "[1, 2]", url("/index.html")});
  EXPECT_EQ(kwargs.status, 2);
  EXPECT_NE(kwargs.err.find("--cbkwargs: '[1, 2]' is not a JSON object"), std::string::npos) << kwargs.err;
  auto depth = run({"parse", "--spider", "books", "--depth", "zero", url("/index.html")});
  EXPECT_EQ(depth.status, 2);
  auto spider = run({"parse", "--spider", "nobody", url("/index.html")});
  EXPECT_EQ(spider.status, 2);
  EXPECT_NE(spider.err.find("unknown spider 'nobody'; known spiders: books, catalog"), std::string::npos) << spider.err;
  EXPECT_EQ(server_.requests_served(), 0u);
}

TEST_F(VerbsTest, ParseReportsACallbackThatThrows) {
  auto result = run_echo({"parse", "--nolog", "--spider", "echo", "-c", "fail", url("/index.html")});
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.err.find("spider 'echo' callback 'fail' raised on <GET " + url("/index.html") + ">: no luck today"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.out.find(items_rule + "[]\n"), std::string::npos) << "the results are printed all the same";
}

TEST_F(VerbsTest, ShellFromAPipe) {
  const std::string lines =
      "css(\"title::text\").get()\n"
      "css('ul.categories a::text').getall()\n"
      "css(\"h1\")\n"
      "re(r\"\\d+ Orbweaver\")\n"
      "status\n"
      "nonsense(\n"
      "xpath(\"//title/text()\").get()\n"
      "css(\"ul.categories\").xpath(\"./li/a/@href\")[0].get()\n"
      "xpath(\"//a[\")\n"
      "fetch(\"category/travel/page-1.html\")\n"
      "css(\"title::text\").get()\n"
      "css(\"li.next a::attr(href)\").re_first(r\"page-(\\d+)\")\n"
      "url\n"
      "exit\n"
      "status\n";
  auto result = run({"shell", "--nolog", url("/")}, lines);
  EXPECT_EQ(result.status, 1) << "a line was a mistake";
  EXPECT_EQ(result.out,
            "'Home | Orbweaver Books'\n"
            "['Travel', 'Science & Nature', 'Poésie', 'Rare books (partner shop)']\n"
            "[<Selector query='h1' data='<h1>Orbweaver Books</h1>'>]\n"
            "['2026 Orbweaver']\n"
            "200\n"
            "'Home | Orbweaver Books'\n"
            "'category/travel/page-1.html'\n"
            "<200 " + url("/category/travel/page-1.html") + ">\n"
            "'Travel | Orbweaver Books'\n"
            "'2'\n"
            "'" + url("/category/travel/page-1.html") + "'\n");
  EXPECT_EQ(result.err,
            "SyntaxError: an argument expected at the end of the line at column 10\n"
            "SelectorError: XPath error: Invalid expression in //a[\n");
}

TEST_F(VerbsTest, ShellWithoutAPageAndWithAFailedOne) {
  auto empty = run({"shell", "--nolog"}, "status\nfetch(\"" + url("/index.html") + "\")\nstatus\n");
  EXPECT_EQ(empty.out, "<200 " + url("/index.html") + ">\n200\n");
  EXPECT_NE(empty.err.find("fetch(\"URL\") one first"), std::string::npos) << empty.err;

  auto unreachable = run({"shell", "--nolog", "-s", "RETRY_ENABLED=false", "http://127.0.0.1:1/"}, "status\n");
  EXPECT_EQ(unreachable.status, 1);
  EXPECT_NE(unreachable.err.find("Error downloading <GET http://127.0.0.1:1/>"), std::string::npos) << unreachable.err;
}

// A person's terminal: a banner, a prompt with line editing, answers, Ctrl-D to leave, and the
// lines kept in ~/.orbweaver_history.
TEST_F(VerbsTest, ShellOnATerminal) {
  auto started = start_in_terminal(ORBWEAVER_BINARY, {"shell", "--nolog", url("/index.html")},
                                  {"HOME=" + dir_.string(), "TERM=xterm"}, dir_, 120);
  ASSERT_GT(started.pid, 0);
  const int terminal = started.terminal;
  std::string screen;
  // Reads what the terminal shows until `wanted` appears after `from` (false after 20 seconds or at
  // the end of the session).
  auto read_until = [&](std::string_view wanted, std::size_t from) {
    for (int waited = 0; waited < 200 && screen.find(wanted, from) == std::string::npos; ++waited) {
      pollfd ready{.fd = terminal, .events = POLLIN, .revents = 0};
      if (poll(&ready, 1, 100) <= 0) continue;
      char buffer[4096];
      auto n = read(terminal, buffer, sizeof buffer);
      if (n <= 0) break;
      screen.append(buffer, static_cast<std::size_t>(n));
    }
    return screen.find(wanted, from) != std::string::npos;
  };
  // Keys typed ahead, before libedit has put the terminal in raw mode for the prompt, go through
  // the line discipline's cooked mode (a Ctrl-D there is lost): type as a person does, at the prompt.
  auto wait_for_raw_mode = [&] {
    termios mode{};
    for (int waited = 0; waited < 200 && tcgetattr(terminal, &mode) == 0 && (mode.c_lflag & ICANON); ++waited)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  auto type = [&](std::string_view keys) {
    wait_for_raw_mode();
    ASSERT_EQ(write(terminal, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  };

  EXPECT_TRUE(read_until(">>> ", 0)) << screen;
  EXPECT_NE(screen.find("[s]   response   <200 " + url("/index.html") + ">"), std::string::npos) << screen;
  auto before = screen.size();
  type("css(\"h1::text\").get()\r");
  EXPECT_TRUE(read_until(">>> ", before)) << screen;
  EXPECT_NE(screen.find("'Orbweaver Books'", before), std::string::npos) << screen;
  type("\x04");  // Ctrl-D
  read_until("never shown", screen.size());
  close(terminal);
  EXPECT_EQ(wait_for_exit(started.pid), 0) << screen;
  EXPECT_NE(read_file(dir_ / ".orbweaver_history").find("css(\"h1::text\").get()"), std::string::npos);
}

TEST_F(VerbsTest, VersionVerboseListsTheLibraries) {
  auto result = run({"version", "-v"});
  EXPECT_EQ(result.status, 0);
  for (const char* library : {"orbweaver", "Boost", "OpenSSL", "gumbo", "fmt", "SQLite", "zlib", "brotli", "zstd",
                              "ICU", "toml++", "libedit", "Compiler", "Platform"}) {
    std::regex line(std::string("(^|\n)") + std::regex_replace(library, std::regex(R"(\+)"), R"(\+)") +
                    R"( *: [^\n]*[0-9][^\n]*\n)");
    EXPECT_TRUE(std::regex_search(result.out, line)) << library << " missing in\n" << result.out;
  }
  EXPECT_EQ(run({"version"}).out, std::string("orbweaver ") + ORBWEAVER_VERSION + "\n");
}

TEST_F(VerbsTest, EachVerbHasHelp) {
  for (const char* verb : {"fetch", "parse", "shell"}) {
    auto help = run({verb, "-h"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find(std::string("orbweaver ") + verb + " [options]"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--spider SPIDER"), std::string::npos) << verb;
  }
}

}  // namespace
