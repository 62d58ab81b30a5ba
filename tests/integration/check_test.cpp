// `orbweaver check` against the sample bookshop on loopback: the spiders of tests/check_spiders
// (their own launcher, orbweaver_check_launcher) and the books example's contracts.
#include "crawl_runner.hpp"
#include "program_runner.hpp"
#include "static_site.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using orbweaver::testing::run_program;
using orbweaver::testing::program_result;
using orbweaver::testing::serve_directory;
using orbweaver::testing::test_server;

const std::string separator1(70, '='), separator2(70, '-');

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-check-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    serve_directory(server_, fs::path(ORBWEAVER_SOURCE_DIR) / "sample_site" / "www");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The check launcher (tests/check_spiders) with `args`, the sample site as the spiders' url.
  program_result check(std::vector<std::string> args, const std::string& program = ORBWEAVER_CHECK_LAUNCHER) {
    args.insert(args.begin(), {"check", "-a", "url=" + server_.url("/")});
    return run_program(program, std::move(args), dir_);
  }

  fs::path dir_;
  test_server server_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(CheckTest, PassingContractsReportOk) {
  auto result = check({"contracts_pass"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(result.err.starts_with(".......\n" + separator2 + "\nRan 7 contracts in ")) << result.err;
  EXPECT_TRUE(result.err.ends_with("s\n\nOK\n")) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_FALSE(fs::exists(dir_ / "contract-items.jsonl")) << "the spider's feed was opened";

  auto verbose = check({"-v", "contracts_pass"});
  EXPECT_EQ(verbose.status, 0) << verbose.err;
  for (const char* line : {"[contracts_pass] parse (@returns post-hook) ... ok\n",
                           "[contracts_pass] parse_book (@scrapes post-hook) ... ok\n",
                           "[contracts_pass] parse_with_arguments (@returns post-hook) ... ok\n",
                           "[contracts_pass] parse_with_arguments (@scrapes post-hook) ... ok\n"})
    EXPECT_TRUE(contains(verbose.err, line)) << line << "\n" << verbose.err;
}

TEST_F(CheckTest, FailingContractsReportEachFailureAndExitOne) {
  auto result = check({"contracts_fail"});
  EXPECT_EQ(result.status, 1) << result.err;
  const std::vector<std::string> blocks{
      separator1 + "\nFAIL: [contracts_fail] parse_book (@returns post-hook)\n" + separator2 +
          "\nContractFail: Returned 1 items, expected 2..inf\n\n",
      separator1 + "\nFAIL: [contracts_fail] parse_book (@scrapes post-hook)\n" + separator2 +
          "\nContractFail: Missing fields: isbn\n\n",
      separator1 + "\nERROR: [contracts_fail] parse_broken (callback)\n" + separator2 +
          "\nstd::runtime_error: no price on this page\n\n",
      separator1 + "\nERROR: [contracts_fail] parse_missing (errback)\n" + separator2 +
          "\nhttp_error: Ignoring response <404 " + server_.url("/book/no-such-book.html"),
  };
  for (const auto& block : blocks) EXPECT_TRUE(contains(result.err, block)) << block << "\n" << result.err;
  EXPECT_TRUE(contains(result.err, "\nRan 3 contracts in ")) << result.err;
  EXPECT_TRUE(result.err.ends_with("s\n\nFAILED (failures=2, errors=2)\n")) << result.err;
}

TEST_F(CheckTest, MalformedContractsAreNamedBeforeAnyRequest) {
  auto result = check({"contracts_malformed"});
  EXPECT_EQ(result.status, 1);
  for (const char* problem :
       {"[contracts_malformed] parse_book: '@returns items x': MIN 'x' is not a whole number of 0 or more\n",
        "[contracts_malformed] parse_tagged: '@frobnicates 3': unknown contract @frobnicates (known: @url, @returns, "
        "@scrapes, @cb_kwargs, @meta)\n",
        "[contracts_malformed] parse_json: '@meta {\"source\":': not valid JSON",
        "[contracts_malformed] parse_nowhere: no @url line: the check needs a page to download\n",
        "[contracts_malformed] parse_mail: @url mailto:books@example.com cannot be requested (unsupported_scheme)\n"})
    EXPECT_TRUE(contains(result.err, problem)) << problem << "\n" << result.err;
  // Each line names where the contract is declared.
  std::istringstream lines(result.err);
  int problems = 0;
  for (std::string line; std::getline(lines, line); ++problems)
    EXPECT_TRUE(std::regex_search(line, std::regex("^orbweaver check: error: .*tests/check_spiders/contract_spiders\\.cpp:[0-9]+: ")))
        << line;
  EXPECT_EQ(problems, 5);

  auto unnamed = check({"contracts_unnamed"});
  EXPECT_EQ(unnamed.status, 1);
  EXPECT_TRUE(contains(unnamed.err, "[contracts_unnamed] parse_book: unnamed_spider::parse_book is not a named "
                                    "callback; name it in ORBWEAVER_SPIDER(unnamed_spider, parse_book, ...)"))
      << unnamed.err;
  EXPECT_EQ(server_.requests_served(), 0u);
}

TEST_F(CheckTest, ListNamesTheCheckedCallbacks) {
  auto list = check({"-l"});
  EXPECT_EQ(list.status, 0) << list.err;
  const std::string with_contracts =
      "contracts_fail\n  * parse_book\n  * parse_broken\n  * parse_missing\n"
      "contracts_malformed\n  * parse_book\n  * parse_json\n  * parse_mail\n  * parse_nowhere\n  * parse_tagged\n"
      "contracts_pass\n  * parse\n  * parse_book\n  * parse_with_arguments\n"
      "contracts_unnamed\n  * parse_book\n";
  EXPECT_EQ(list.out, with_contracts);
  EXPECT_EQ(check({"-l", "-v"}).out, with_contracts + "no_contracts\n");
  EXPECT_EQ(check({"--list", "contracts_pass"}).out, "contracts_pass\n  * parse\n  * parse_book\n  * parse_with_arguments\n");
  EXPECT_EQ(server_.requests_served(), 0u);
}

TEST_F(CheckTest, RequestDroppedOnTheWayIsAnError) {
  // url_length drops every contract request before it is scheduled.
  auto result = check({"contracts_pass", "-s", "URLLENGTH_LIMIT=10"});
  EXPECT_EQ(result.status, 1);
  EXPECT_TRUE(contains(result.err, "ERROR: [contracts_pass] parse_book (download)\n" + separator2 + "\n<GET " +
                                       server_.url("/book/a-walk-through-kyoto.html") +
                                       "> was dropped before its callback or errback ran"))
      << result.err;
  EXPECT_TRUE(result.err.ends_with("FAILED (errors=3)\n")) << result.err;
}

TEST_F(CheckTest, MistakesInTheCommandLineExitTwo) {
  auto unknown = check({"no-such-spider"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_TRUE(contains(unknown.err, "unknown spider 'no-such-spider'; known spiders: contracts_fail")) << unknown.err;
  auto bad_setting = check({"contracts_pass", "-s", "CONCURRENT_REQUESTS=two"});
  EXPECT_EQ(bad_setting.status, 2);
  EXPECT_TRUE(contains(bad_setting.err, "invalid value 'two'")) << bad_setting.err;
  EXPECT_EQ(server_.requests_served(), 0u);
}

TEST_F(CheckTest, BooksExampleContractsHold) {
  auto result = check({"-v", "books"}, ORBWEAVER_BINARY);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains(result.err, "[books] parse_book (@scrapes post-hook) ... ok\n")) << result.err;
  EXPECT_TRUE(contains(result.err, "[books] parse (@returns post-hook) ... ok\n")) << result.err;
  EXPECT_TRUE(contains(result.err, "\nRan 5 contracts in ")) << result.err;
  EXPECT_TRUE(result.err.ends_with("\n\nOK\n")) << result.err;
}

}  // namespace
