// `orbweaver crawl NAME --workers N` without processes: each worker's command line, the worker
// count, the worker ids, and finding a program (redis-server) in PATH.
#include "core/child_process.hpp"
#include "crawl_workers.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace orbweaver::launcher {
namespace {

namespace fs = std::filesystem;

parsed_args parse_crawl(const std::vector<std::string>& args) { return parse_args(args, crawl_option_table()); }

TEST(CrawlWorkers, AWorkerGetsTheCrawlsOptionsAndItsOwnSettings) {
  const auto parsed = parse_crawl({"-a", "url=http://shop/", "-oitems.jsonl", "catalog", "--workers=3", "--keep-alive",
                                   "-s", "CONCURRENT_REQUESTS=4", "--loglevel=INFO", "--logfile", "crawl.log",
                                   "--overwrite-output", "other.csv"});
  const auto args = worker_arguments(parsed, {.redis_url = "unix:///tmp/r/redis.sock?password=pw",
                                              .worker_id = "box-2",
                                              .keep_alive = true,
                                              .feeds = {"items.jsonl.parts/box-2.jsonl", "other.csv.parts/box-2.csv"}});
  const std::vector<std::string> expected{
      "crawl", "-a", "url=http://shop/", "-s", "CONCURRENT_REQUESTS=4", "-L", "INFO", "--logfile", "crawl.log",
      "-s", "SCHEDULER=redis", "-s", "REDIS_URL=unix:///tmp/r/redis.sock?password=pw", "-s", "REDIS_WORKER_ID=box-2",
      "-s", "REDIS_KEEP_ALIVE=true", "-s", "FEEDS=items.jsonl.parts/box-2.jsonl,other.csv.parts/box-2.csv",
      "-s", "FEED_OVERWRITE=true", "--", "catalog"};
  EXPECT_EQ(args, expected);
}

TEST(CrawlWorkers, AWorkersCommandLineParsesBackToOneCrawl) {
  // A value that looks like an option, and a spider name after "--".
  const auto parsed = parse_crawl({"--workers", "2", "-a", "query=-x", "--", "-odd-name"});
  const auto args = worker_arguments(parsed, {.redis_url = "redis://h", .worker_id = "h-1", .feeds = {}});
  const auto again = parse_crawl(std::vector<std::string>(args.begin() + 1, args.end()));
  EXPECT_EQ(again.positionals, std::vector<std::string>{"-odd-name"});
  ASSERT_EQ(again.options.size(), 4u);
  EXPECT_EQ(again.options[0].value, "query=-x");
  for (const auto& option : again.options) EXPECT_NE(option.spec->long_name, "workers");
  EXPECT_EQ(again.options[3].value, "REDIS_WORKER_ID=h-1");
  EXPECT_EQ(std::ranges::count(args, "REDIS_KEEP_ALIVE=true"), 0) << "only with --keep-alive";
  EXPECT_EQ(std::ranges::count_if(args, [](const auto& a) { return a.starts_with("FEEDS="); }), 0) << "no feed, no FEEDS";
}

TEST(CrawlWorkers, TheWorkerCountIsOneOrMore) {
  EXPECT_EQ(parse_worker_count("1"), 1);
  EXPECT_EQ(parse_worker_count("16"), 16);
  for (const char* bad : {"0", "-1", "", "two", "2x", "99999999999"}) {
    try {
      parse_worker_count(bad);
      ADD_FAILURE() << "'" << bad << "' taken as a worker count";
    } catch (const usage_error& e) {
      EXPECT_NE(std::string(e.what()).find("1 or more"), std::string::npos) << e.what();
    }
  }
}

TEST(CrawlWorkers, WorkerIdsAreTheHostsNameNumbered) {
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  const auto ids = worker_ids(3);
  EXPECT_EQ(ids, (std::vector<std::string>{std::string(host) + "-1", std::string(host) + "-2", std::string(host) + "-3"}));
  EXPECT_EQ(worker_ids(3), ids) << "the same command here continues the same workers";
}

TEST(ChildProcess, FindProgramLooksInPathThenTheFallbacks) {
  std::string pattern = (fs::temp_directory_path() / "orbweaver-find-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  fs::create_directories(dir / "bin");
  fs::create_directories(dir / "fallback");
  for (const auto& where : {dir / "bin" / "tool", dir / "fallback" / "tool", dir / "bin" / "not-executable"}) {
    std::ofstream(where) << "#!/bin/sh\n";
    if (where.filename() != "not-executable") fs::permissions(where, fs::perms::owner_all);
  }
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", (dir / "bin").c_str(), 1);
  EXPECT_EQ(find_program("tool", {dir / "fallback"}), dir / "bin" / "tool");
  EXPECT_EQ(find_program("not-executable"), fs::path());
  ::setenv("PATH", "", 1);
  EXPECT_EQ(find_program("tool", {dir / "fallback"}), dir / "fallback" / "tool");
  EXPECT_EQ(find_program("tool"), fs::path());
  ::setenv("PATH", saved.c_str(), 1);
  fs::remove_all(dir);
}

TEST(ChildProcess, ExitsAreDescribedWithTheSignalsName) {
  EXPECT_EQ((child_exit{.status = 0, .signal = 0}).describe(), "exited with status 0");
  EXPECT_EQ((child_exit{.status = 2, .signal = 0}).describe(), "exited with status 2");
  EXPECT_EQ((child_exit{.status = 0, .signal = 9}).describe(), "was killed by SIGKILL");
}

}  // namespace
}  // namespace orbweaver::launcher
