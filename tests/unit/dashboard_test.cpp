// The dashboard without sockets: the rates series, the JSON of /stats, the token check and the
// static report page.
#include "dashboard/numbers.hpp"
#include "dashboard/server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

using namespace orbweaver::dashboard;
namespace json = boost::json;

TEST(DashboardRates, PerSecondBetweenSamples) {
  rate_series series;
  series.sample(1.0, 10, 2);
  series.sample(3.0, 30, 12);
  auto s = series.to_json();
  ASSERT_EQ(s["elapsed"].as_array().size(), 2u);
  EXPECT_DOUBLE_EQ(s["pages_per_second"].as_array()[0].as_double(), 10.0);
  EXPECT_DOUBLE_EQ(s["pages_per_second"].as_array()[1].as_double(), 10.0);
  EXPECT_DOUBLE_EQ(s["items_per_second"].as_array()[1].as_double(), 5.0);
  EXPECT_DOUBLE_EQ(s["elapsed"].as_array()[1].as_double(), 3.0);
}

TEST(DashboardRates, KeepsTheLastPointsOnly) {
  rate_series series(3);
  for (int second = 1; second <= 10; ++second) series.sample(second, second * 100, 0);
  EXPECT_EQ(series.size(), 3u);
  EXPECT_DOUBLE_EQ(series.to_json()["elapsed"].as_array()[0].as_double(), 8.0);
}

TEST(DashboardRates, IgnoresASampleThatDoesNotMoveForward) {
  rate_series series;
  series.sample(1.0, 5, 0);
  series.sample(1.0, 9, 0);
  EXPECT_EQ(series.size(), 1u);
}

TEST(DashboardJson, GathersTheCrawlsNumbers) {
  crawl_numbers n;
  n.stats = {{"downloader/response_count", 7},
             {"item_scraped_count", 5},
             {"downloader/response_status_count/200", 6},
             {"downloader/response_status_count/404", 1},
             {"downloader/exception_type_count/timed_out", 2},
             {"finish_reason", "finished"}};
  n.slots = {{"example.com", 3, 2, 0.5}};
  n.frontier = 3;
  n.in_flight = 2;
  n.elapsed_seconds = 12.5;
  n.last_errors = {"2026-12-06 10:00:00 [engine] ERROR: boom"};
  rate_series series;
  series.sample(1, 7, 5);
  auto j = stats_json(n, series, 4096);
  EXPECT_EQ(j["pages"].as_int64(), 7);
  EXPECT_EQ(j["items"].as_int64(), 5);
  EXPECT_EQ(j["status_codes"].as_object().at("404").as_int64(), 1);
  EXPECT_EQ(j["status_codes"].as_object().size(), 2u);
  EXPECT_EQ(j["errors_by_kind"].as_object().at("timed_out").as_int64(), 2);
  EXPECT_EQ(j["slots"].as_array()[0].as_object().at("slot").as_string(), "example.com");
  EXPECT_EQ(j["slots"].as_array()[0].as_object().at("queued").as_uint64(), 3u);
  EXPECT_EQ(j["frontier"].as_uint64(), 3u);
  EXPECT_EQ(j["memory_rss_bytes"].as_int64(), 4096);
  EXPECT_DOUBLE_EQ(j["elapsed_seconds"].as_double(), 12.5);
  EXPECT_EQ(j["last_errors"].as_array().size(), 1u);
  EXPECT_EQ(j["stats"].as_object().at("finish_reason").as_string(), "finished");
  EXPECT_EQ(j["series"].as_object().at("pages_per_second").as_array().size(), 1u);
}

TEST(DashboardJson, ResidentMemoryIsKnownOnLinux) { EXPECT_GT(resident_bytes(), 0); }

TEST(DashboardToken, NoTokenAllowsEveryRequest) { EXPECT_TRUE(authorized("/stats", "", "")); }

TEST(DashboardToken, QueryOrBearerHeader) {
  EXPECT_TRUE(authorized("/stats?token=abc123", "", "abc123"));
  EXPECT_TRUE(authorized("/?a=1&token=abc123", "", "abc123"));
  EXPECT_TRUE(authorized("/stats", "Bearer abc123", "abc123"));
  EXPECT_FALSE(authorized("/stats", "", "abc123"));
  EXPECT_FALSE(authorized("/stats?token=abc124", "", "abc123"));
  EXPECT_FALSE(authorized("/stats?token=abc12", "", "abc123"));
  EXPECT_FALSE(authorized("/stats?token", "", "abc123"));
  EXPECT_FALSE(authorized("/stats", "Bearer wrong", "abc123"));
  EXPECT_FALSE(authorized("/stats", "Basic abc123", "abc123"));
}

TEST(DashboardToken, FreshEachTime) {
  auto a = new_token();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, new_token());
}

TEST(DashboardReport, InlinesTheNumbersSafely) {
  json::object numbers{{"items", 42}, {"last_errors", json::array{"</script><script>alert(1)</script>"}}};
  auto page = report_page(numbers);
  EXPECT_NE(page.find("\"items\":42"), std::string::npos);
  EXPECT_EQ(page.find("</script><script>alert"), std::string::npos) << "a string must not end the inline script";
  EXPECT_NE(page.find("<\\/script>"), std::string::npos);
  EXPECT_EQ(page.find("/*ORBWEAVER_REPORT*/"), std::string::npos);
  EXPECT_EQ(page.find("src=\"http"), std::string::npos) << "the report must open offline";
}

TEST(DashboardReport, ChartingLibraryCompiledIn) {
  if (!has_charts()) GTEST_SKIP() << "uPlot was not found at build time (scripts/install-deps installs it)";
  auto page = live_page();
  EXPECT_NE(page.find("uPlot"), std::string::npos);
  EXPECT_EQ(page.find("/*ORBWEAVER_UPLOT_JS*/"), std::string::npos);
  EXPECT_NE(page.find("const report = null"), std::string::npos);
}
