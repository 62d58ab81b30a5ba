#include "download/autothrottle.hpp"
#include "engine/close_conditions.hpp"

#include <gtest/gtest.h>

using namespace orbweaver;
using namespace orbweaver::download;
using seconds_d = std::chrono::duration<double>;

TEST(AutoThrottle, MovesHalfwayTowardsLatencyOverTarget) {
  autothrottle_params p{.target_concurrency = 2.0, .min_delay = seconds_d(0), .max_delay = seconds_d(60)};
  // target = 1.0 s / 2 = 0.5 s; halfway from 5 s is 2.75 s.
  EXPECT_DOUBLE_EQ(autothrottle_delay(seconds_d(5), seconds_d(1), 200, p).count(), 2.75);
  // Never below the target itself.
  EXPECT_DOUBLE_EQ(autothrottle_delay(seconds_d(0), seconds_d(1), 200, p).count(), 0.5);
}

TEST(AutoThrottle, StaysWithinMinAndMax) {
  autothrottle_params p{.target_concurrency = 1.0, .min_delay = seconds_d(0.3), .max_delay = seconds_d(2)};
  EXPECT_DOUBLE_EQ(autothrottle_delay(seconds_d(0.3), seconds_d(0.01), 200, p).count(), 0.3);
  EXPECT_DOUBLE_EQ(autothrottle_delay(seconds_d(1), seconds_d(30), 200, p).count(), 2.0);
}

TEST(AutoThrottle, ErrorsNeverLowerTheDelay) {
  autothrottle_params p{.target_concurrency = 1.0, .min_delay = seconds_d(0), .max_delay = seconds_d(60)};
  EXPECT_DOUBLE_EQ(autothrottle_delay(seconds_d(4), seconds_d(0.01), 503, p).count(), 4.0);
  EXPECT_GT(autothrottle_delay(seconds_d(1), seconds_d(5), 503, p).count(), 1.0);
}

TEST(CloseConditions, ReportsTheFirstCountReached) {
  close_conditions c{.item_count = 10, .page_count = 0, .error_count = 2};
  stats_collector stats;
  EXPECT_FALSE(c.reached(stats));
  stats.inc("item_scraped_count", 9);
  stats.inc("downloader/response_count", 1000);  // off: page_count is 0
  EXPECT_FALSE(c.reached(stats));
  stats.inc("spider_exceptions/count", 2);
  EXPECT_EQ(c.reached(stats), "closespider_errorcount");
  close_conditions items{.item_count = 10};
  stats.inc("item_scraped_count");
  EXPECT_EQ(items.reached(stats), "closespider_itemcount");
}

TEST(CloseConditions, ReadFromSettings) {
  settings s;
  s.set("CLOSESPIDER_PAGECOUNT", "5", setting_priority::command_line);
  s.set("CLOSESPIDER_TIMEOUT", "1.5", setting_priority::command_line);
  auto c = close_conditions::from(s);
  EXPECT_EQ(c.page_count, 5);
  EXPECT_DOUBLE_EQ(c.timeout.count(), 1.5);
  EXPECT_EQ(c.item_count, 0);
}
