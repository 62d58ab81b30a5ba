// A crawl killed with SIGKILL, without JOBDIR: its JSON-lines feed holds whole lines and every item
// scraped more than a flush interval before the kill; a later crawl appending to the feed cuts a
// torn last line away and every line parses.
#include "crawl_runner.hpp"
#include "program_runner.hpp"
#include "static_site.hpp"
#include "test_server.hpp"

#include <orbweaver/item.hpp>

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The `url` of every item in the feed; fails the test on a line that does not parse.
std::multiset<std::string> item_urls(const std::string& feed_text) {
  std::multiset<std::string> urls;
  for (const auto& line : lines_of(feed_text)) {
    try {
      urls.insert(std::string(json::parse(line).as_object().at("url").as_string()));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a whole JSON line (" << e.what() << "): " << line;
    }
  }
  return urls;
}

class FeedKill : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-feed-kill-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    feed_ = dir_ / "books.jsonl";
    // 39 pages, one at a time, 200 ms each: the crawl takes about 8 s.
    serve_directory(server_, site_, 200ms);
    for (const auto& entry : fs::directory_iterator(site_ / "book"))
      book_paths_.push_back("/book/" + entry.path().filename().string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> crawl_args(const std::string& concurrency) const {
    return {"crawl", "books", "-a", "url=" + server_.url("/"), "-o", feed_.string(), "-s",
            "CONCURRENT_REQUESTS=" + concurrency, "-s", "LOG_LEVEL=INFO"};
  }
  // Arrival times of the book pages the server has answered or is answering.
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> book_arrivals() const {
    std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> arrivals;
    for (const auto& path : book_paths_)
      for (auto at : server_.arrivals(path)) arrivals.emplace_back(path, at);
    return arrivals;
  }

  const fs::path site_ = fs::path(ORBWEAVER_SOURCE_DIR) / "sample_site" / "www";
  test_server server_;
  fs::path dir_;
  fs::path feed_;
  std::vector<std::string> book_paths_;
};

TEST_F(FeedKill, AKilledCrawlLeavesWholeLinesUpToTheLastSecondAndAnAppendCutsATornLine) {
  int pid = start_program(ORBWEAVER_BINARY, crawl_args("1"), dir_);
  ASSERT_GT(pid, 0);

  // Kill 3.5 s after the first book page arrived: about half the books are scraped by then.
  auto deadline = std::chrono::steady_clock::now() + 60s;
  std::optional<std::chrono::steady_clock::time_point> first_book;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& [path, at] : book_arrivals())
      if (!first_book || at < *first_book) first_book = at;
    if (first_book && std::chrono::steady_clock::now() - *first_book >= 3500ms) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(first_book) << "no book page was requested";
  auto killed_at = std::chrono::steady_clock::now();
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_for_exit(pid), 128 + SIGKILL) << "the crawl ended before it was killed: " << read_file(dir_ / ".test-stderr");

  // A page asked for 2.5 s before the kill was answered 200 ms later, its item scraped at once and
  // written within FEED_FLUSH_INTERVAL (1 s by default).
  std::set<std::string> must_be_there;
  std::size_t requested = 0;
  for (const auto& [path, at] : book_arrivals()) {
    ++requested;
    if (at < killed_at - 2500ms) must_be_there.insert(server_.url(path));
  }
  ASSERT_FALSE(must_be_there.empty());
  ASSERT_LT(requested, book_paths_.size()) << "the kill came after the last book";

  auto text = read_file(feed_);
  EXPECT_TRUE(text.ends_with('\n')) << "a cut line: " << text.substr(text.size() > 300 ? text.size() - 300 : 0);
  auto scraped = item_urls(text);
  for (const auto& url : must_be_there) EXPECT_EQ(scraped.count(url), 1u) << url << " is missing from the feed";

  // A write cut short by a kill leaves a torn line; the next crawl appending to the feed cuts it.
  std::ofstream(feed_, std::ios::app | std::ios::binary) << R"({"title": "A Torn Re)";
  auto again = run_program(ORBWEAVER_BINARY, crawl_args("8"), dir_);
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.err.find("ended in a torn record (20 bytes after its last whole one"), std::string::npos)
      << again.err;
  auto appended = read_file(feed_);
  EXPECT_EQ(appended.find("A Torn Re"), std::string::npos);
  EXPECT_TRUE(appended.starts_with(text));
  EXPECT_EQ(item_urls(appended).size(), scraped.size() + book_paths_.size());
}

}  // namespace
