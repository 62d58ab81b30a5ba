#include <orbweaver/log.hpp>
#include <orbweaver/settings.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace orbweaver {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "orbweaver-log-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "crawl.log").string();
    log::set_file(path_);
  }
  void TearDown() override {
    log::set_file("");
    log::set_level(log::level::info);
    std::filesystem::remove_all(dir_);
  }
  std::vector<std::string> lines() const {
    std::ifstream in(path_);
    std::vector<std::string> result;
    for (std::string line; std::getline(in, line);) result.push_back(line);
    return result;
  }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(LogTest, LineFormatLikeScrapy) {
  log::set_level(log::level::info);
  log::info("engine", "Spider opened: {}", "books");
  log::error("downloader", "{} failed", 3);
  auto written = lines();
  ASSERT_EQ(written.size(), 2u);
  EXPECT_TRUE(std::regex_match(written[0], std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[engine\] INFO: Spider opened: books)")))
      << written[0];
  EXPECT_TRUE(std::regex_match(written[1], std::regex(R"(.{19} \[downloader\] ERROR: 3 failed)"))) << written[1];
}

TEST_F(LogTest, LevelFilters) {
  log::set_level(log::level::warning);
  EXPECT_EQ(log::current_level(), log::level::warning);
  log::debug("a", "hidden");
  log::info("a", "hidden");
  log::warning("a", "shown");
  log::write(log::level::critical, "a", "also shown");
  auto written = lines();
  ASSERT_EQ(written.size(), 2u);
  EXPECT_NE(written[0].find("WARNING: shown"), std::string::npos);
  EXPECT_NE(written[1].find("CRITICAL: also shown"), std::string::npos);
}

TEST_F(LogTest, LinesFromManyThreadsStayWhole) {
  constexpr int threads = 4, per_thread = 500;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([t] {
      for (int i = 0; i < per_thread; ++i) log::info("parse", "thread {} line {} {}", t, i, std::string(100, 'x'));
    });
  for (auto& w : workers) w.join();
  auto written = lines();
  ASSERT_EQ(written.size(), static_cast<std::size_t>(threads * per_thread));
  std::regex whole(R"(.{19} \[parse\] INFO: thread \d line \d+ x{100})");
  for (const auto& line : written) ASSERT_TRUE(std::regex_match(line, whole)) << line;
}

TEST_F(LogTest, AppendsToAnExistingFile) {
  log::info("a", "first");
  log::set_file("");
  log::set_file(path_);
  log::info("a", "second");
  EXPECT_EQ(lines().size(), 2u);
}

TEST(Log, ParseLevel) {
  EXPECT_EQ(log::parse_level("DEBUG"), log::level::debug);
  EXPECT_EQ(log::parse_level("info"), log::level::info);
  EXPECT_EQ(log::parse_level("Warning"), log::level::warning);
  EXPECT_EQ(log::parse_level("ERROR"), log::level::error);
  EXPECT_EQ(log::parse_level("critical"), log::level::critical);
  try {
    log::parse_level("VERBOSE");
    FAIL() << "no error";
  } catch (const settings_error& e) {
    EXPECT_STREQ(e.what(), "unknown log level 'VERBOSE' (expected DEBUG, INFO, WARNING, ERROR or CRITICAL)");
  }
}

TEST(Log, UnopenableFileIsAnError) {
  EXPECT_THROW(log::set_file("/proc/no/such/dir/crawl.log"), std::runtime_error);
}

}  // namespace
}  // namespace orbweaver
