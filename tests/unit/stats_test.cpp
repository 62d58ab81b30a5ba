#include <orbweaver/stats.hpp>

#include <gtest/gtest.h>

namespace orbweaver {
namespace {

TEST(Stats, IncCreatesAndAdds) {
  stats_collector stats;
  EXPECT_EQ(stats.get("downloader/request_count"), 0);
  stats.inc("downloader/request_count");
  stats.inc("downloader/request_count");
  stats.inc("downloader/request_bytes", 300);
  stats.inc("downloader/request_bytes", -100);
  EXPECT_EQ(stats.get("downloader/request_count"), 2);
  EXPECT_EQ(stats.get("downloader/request_bytes"), 200);
}

TEST(Stats, MaxKeepsTheLargest) {
  stats_collector stats;
  stats.max("request_depth_max", 3);
  stats.max("request_depth_max", 1);
  EXPECT_EQ(stats.get("request_depth_max"), 3);
  stats.max("request_depth_max", 7);
  EXPECT_EQ(stats.get("request_depth_max"), 7);
  stats.max("negative", -4);
  EXPECT_EQ(stats.get("negative"), -4);
}

TEST(Stats, SetAnyValue) {
  stats_collector stats;
  stats.set("finish_reason", "finished");
  stats.set("elapsed_time_seconds", 1.75);
  stats.set("store/items_written", std::uint64_t{12});
  EXPECT_EQ(stats.get("finish_reason"), 0);  // not a number
  EXPECT_EQ(stats.get("elapsed_time_seconds"), 1);
  EXPECT_EQ(stats.get("store/items_written"), 12);
  EXPECT_EQ(stats.all().at("finish_reason").as_string(), "finished");
  // Counting onto a value that is not a number starts over.
  stats.inc("finish_reason");
  EXPECT_EQ(stats.get("finish_reason"), 1);
  stats.inc("store/items_written", 3);
  EXPECT_EQ(stats.get("store/items_written"), 15);
}

TEST(Stats, DumpIsSortedOneLinePerKey) {
  stats_collector stats;
  stats.inc("item_scraped_count", 5);
  stats.set("finish_reason", "finished");
  stats.set("elapsed_time_seconds", 0.25);
  stats.inc("downloader/response_status_count/200", 4);
  stats.set("flags", boost::json::array{"a", 1});
  EXPECT_EQ(stats.dump(),
            "downloader/response_status_count/200: 4\n"
            "elapsed_time_seconds: 0.25\n"
            "finish_reason: finished\n"
            "flags: [\"a\",1]\n"
            "item_scraped_count: 5\n");
  EXPECT_EQ(stats_collector{}.dump(), "");
}

}  // namespace
}  // namespace orbweaver
