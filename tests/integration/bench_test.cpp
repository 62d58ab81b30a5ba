// `orbweaver bench`: its own loopback server, crawled for CLOSESPIDER_TIMEOUT seconds.
#include "program_runner.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>

TEST(Bench, CrawlsItsServerAndReportsPagesPerMinute) {
  std::string dir = (std::filesystem::temp_directory_path() / "orbweaver-bench-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto result = orbweaver::testing::run_program(ORBWEAVER_BINARY, {"bench", "-s", "CLOSESPIDER_TIMEOUT=2"}, dir);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(result.status, 0) << result.err;
  std::smatch figures;
  ASSERT_TRUE(std::regex_match(result.out, figures, std::regex(R"(Crawled (\d+) pages in ([\d.]+) s: (\d+) pages/min\n)")))
      << result.out;
  EXPECT_GT(std::stoll(figures[1]), 100);
  EXPECT_GT(std::stoll(figures[3]), 0);
  EXPECT_NE(result.err.find("[logstats] INFO: Crawled "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("finish_reason: closespider_timeout"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("downloader/response_status_count/200: " + figures[1].str()), std::string::npos)
      << result.err;
}
