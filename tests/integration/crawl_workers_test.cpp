// `orbweaver crawl NAME --workers N` (issue 12): the private redis-server it starts without
// REDIS_URL, its usage errors, and whole crawls of the generated shop by 2 workers, with the
// private server and with a test redis-server with a password, every product once in one feed.
#include "redis/client.hpp"
#include "redis/local_server.hpp"

#include "crawl_process.hpp"
#include "crawl_runner.hpp"
#include "product_site.hpp"
#include "program_runner.hpp"
#include "redis_server.hpp"
#include "run_coroutine.hpp"
#include "test_server.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

bool process_exists(int pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

boost::asio::awaitable<void> ping(redis::client& c) {
  co_await c.check();
  redis::command command{"PING"};
  auto pong = co_await c.exec(std::move(command));
  EXPECT_EQ(pong, redis::reply::make_status("PONG"));
}

#define SKIP_WITHOUT_REDIS_SERVER() \
  if (redis::find_redis_server().empty()) GTEST_SKIP() << redis::missing_redis_server_advice

TEST(LocalRedisServer, AnswersWithItsPasswordOnlyAndLeavesNothingBehind) {
  SKIP_WITHOUT_REDIS_SERVER();
  fs::path folder;
  int pid = -1;
  {
    redis::local_server server;
    folder = server.folder();
    pid = server.pid();
    EXPECT_TRUE(process_exists(pid));
    EXPECT_EQ(fs::status(folder).permissions() & fs::perms::all, fs::perms::owner_all) << "other users stay out";
    const auto config = redis::parse_url(server.url());
    ASSERT_EQ(config.via, redis::config::transport::unix_socket);
    EXPECT_EQ(fs::path(config.socket_path).parent_path(), folder);

    const auto without = redis::exchange_over_socket(config.socket_path, {{"PING"}});
    ASSERT_EQ(without.size(), 1u);
    EXPECT_TRUE(without[0].is_error("NOAUTH")) << redis::to_string(without[0]);
    const auto with = redis::exchange_over_socket(
        config.socket_path, {{"AUTH", config.password}, {"CONFIG", "GET", "appendonly"}, {"CONFIG", "GET", "port"}});
    ASSERT_EQ(with.size(), 3u);
    EXPECT_EQ(redis::to_string(with[1]), redis::to_string(redis::reply::make_array(
                                             {redis::reply::make_string("appendonly"), redis::reply::make_string("yes")})));
    EXPECT_EQ(with[2].elements.at(1).text, "0") << "no TCP port";

    // The framework's client reaches it with the URL the workers get.
    boost::asio::io_context io;
    redis::client client(io.get_executor(), config);
    run(io, ping(client));
  }
  EXPECT_FALSE(fs::exists(folder)) << folder;
  EXPECT_FALSE(process_exists(pid)) << "redis-server " << pid << " still runs";
}

TEST(LocalRedisServer, StopsWhenItsOwnerIsKilled) {
  SKIP_WITHOUT_REDIS_SERVER();
  // A child that starts a private server and is then killed with SIGKILL: no destructor runs, yet
  // the server goes (it gets SIGTERM when its parent dies).
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t owner = ::fork();
  if (owner == 0) {
    ::close(report[0]);
    redis::local_server server;
    const int pid = server.pid();
    const std::string folder = server.folder().string();
    [[maybe_unused]] auto written = ::write(report[1], &pid, sizeof pid);
    written = ::write(report[1], folder.data(), folder.size());
    ::close(report[1]);
    ::pause();
    ::_exit(0);
  }
  ::close(report[1]);
  int server_pid = -1;
  ASSERT_EQ(::read(report[0], &server_pid, sizeof server_pid), static_cast<ssize_t>(sizeof server_pid));
  char folder[4096] = {};
  ASSERT_GT(::read(report[0], folder, sizeof folder - 1), 0);
  ::close(report[0]);
  ::kill(owner, SIGKILL);
  wait_for_exit(owner);
  for (int i = 0; i < 500 && process_exists(server_pid); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(process_exists(server_pid)) << "the private redis-server outlived its owner";
  fs::remove_all(folder);  // its owner had no chance to
}

// A temporary folder for a test's feeds and logs.
class CrawlWorkers : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-workers-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  program_result crawl(std::vector<std::string> args) const {
    args.insert(args.begin(), {"crawl", "catalog"});
    return run_program(ORBWEAVER_BINARY, std::move(args), dir_);
  }

  fs::path dir_;
};

TEST_F(CrawlWorkers, MistakesAreUsageErrorsBeforeAnyProcessStarts) {
  std::ofstream(dir_ / "old.json") << "[\n{\"id\":1}\n]\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--workers", "0"}, "--workers takes a number of worker processes, 1 or more (got '0')"},
      {{"--workers", "two"}, "1 or more (got 'two')"},
      {{"--workers", "2", "--jobdir", "job"}, "--workers cannot be used with --jobdir"},
      {{"--workers", "2", "-o", "-:jsonl"}, "cannot export to '-:jsonl' with --workers"},
      {{"--workers", "2", "-o", "old.json"}, "cannot append to 'old.json': it already holds a JSON array"},
      {{"--workers", "2", "-s", "REDIS_URL=redis://h:port/"}, "REDIS_URL: the port must be a number"},
  };
  for (const auto& [args, message] : cases) {
    const auto result = crawl(args);
    EXPECT_EQ(result.status, 2) << fmt::format("{}", fmt::join(args, " ")) << "\n" << result.err;
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("Started"), std::string::npos) << "nothing starts after a mistake:\n" << result.err;
  }
}

// The pid of each "Started worker ID (pid P)" line, by worker id.
std::map<std::string, int> started_workers(const std::string& log) {
  std::map<std::string, int> workers;
  const std::string mark = "Started worker ";
  for (auto at = log.find(mark); at != std::string::npos; at = log.find(mark, at + 1)) {
    std::istringstream line(log.substr(at + mark.size(), log.find('\n', at) - at - mark.size()));
    std::string id, pid;
    line >> id >> pid;  // "(pid" then "1234)"
    line >> pid;
    workers[id] = std::stoi(pid);
  }
  return workers;
}

// The private redis-server's pid and folder from "Started a private redis-server (pid P) in DIR".
std::pair<int, fs::path> private_server(const std::string& log) {
  const std::string mark = "Started a private redis-server (pid ";
  const auto at = log.find(mark);
  if (at == std::string::npos) return {-1, {}};
  std::istringstream line(log.substr(at + mark.size(), log.find('\n', at) - at - mark.size()));
  int pid = -1;
  std::string closing, in, folder;
  line >> pid >> closing >> folder;  // "1234", then ")" and "in"; then the folder
  line >> folder;
  return {pid, folder};
}

// A crawl of the generated shop (tests/support/product_site) by the catalog spider's workers.
class WorkersCrawl : public CrawlWorkers {
 protected:
  static constexpr std::size_t products = 300;
  void SetUp() override {
    CrawlWorkers::SetUp();
    site_ = std::make_unique<product_site>(server_, products, 2ms);
  }

  std::vector<std::string> shop_crawl(std::vector<std::string> more) const {
    std::vector<std::string> args{"-a", "url=" + server_.url("/"), "-s", "LOG_LEVEL=INFO", "-s", "CONCURRENT_REQUESTS=4"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  // The shop crawl with `more` options in the background (its log in .test-stderr); returns its
  // pid once the site has seen `fetches` requests, or 30 s have passed.
  int launch_until(std::vector<std::string> more, std::size_t fetches) const {
    auto args = shop_crawl(std::move(more));
    args.insert(args.begin(), {"crawl", "catalog"});
    const int pid = start_program(ORBWEAVER_BINARY, args, dir_);
    for (auto give_up = std::chrono::steady_clock::now() + 30s;
         pid > 0 && site_->fetches() < fetches && std::chrono::steady_clock::now() < give_up;)
      std::this_thread::sleep_for(10ms);
    return pid;
  }

  // Every product once in a JSON lines feed.
  void expect_each_product_once(const fs::path& feed) const {
    expect_each_id_once(feed.string(), feed_ids(read_file(feed)), products);
  }

  // Each worker started and ended, with its id on this host.
  static void expect_workers_ended(const std::string& log, std::size_t count) {
    const auto workers = started_workers(log);
    EXPECT_EQ(workers.size(), count) << log;
    for (const auto& [id, pid] : workers) {
      EXPECT_NE(log.find(fmt::format("Worker {} (pid {}) exited with status 0", id, pid)), std::string::npos) << log;
      EXPECT_FALSE(process_exists(pid)) << "worker " << id << " still runs";
    }
  }

  // With 4 transfers a worker and 8 for the shop's host (CONCURRENT_REQUESTS_PER_DOMAIN) across
  // all, both workers crawl: the merge has two parts to join.
  static void expect_every_worker_wrote_items(const std::string& log) {
    for (const auto& [id, pid] : started_workers(log))
      EXPECT_EQ(log.find(fmt::format("feed (0 items) in: items.jsonl.parts/{}.jsonl", id)), std::string::npos)
          << "worker " << id << " wrote no item; the merge was not put to the test\n" << log;
  }

  test_server server_;
  std::unique_ptr<product_site> site_;
};

TEST_F(WorkersCrawl, TwoWorkersOnAPrivateRedisWriteEveryProductOnceIntoOneFeed) {
  SKIP_WITHOUT_REDIS_SERVER();
  const auto result = crawl(shop_crawl({"--workers", "2", "-O", "items.jsonl"}));
  ASSERT_EQ(result.status, 0) << result.err;
  expect_each_product_once(dir_ / "items.jsonl");
  expect_workers_ended(result.err, 2);
  expect_every_worker_wrote_items(result.err);
  EXPECT_FALSE(fs::exists(dir_ / "items.jsonl.parts")) << "the parts stay after the merge";

  const auto [server_pid, server_folder] = private_server(result.err);
  ASSERT_GT(server_pid, 0) << result.err;
  EXPECT_FALSE(process_exists(server_pid)) << "the private redis-server still runs";
  EXPECT_FALSE(server_folder.empty());
  EXPECT_FALSE(fs::exists(server_folder)) << server_folder << " is left behind";
  EXPECT_NE(result.err.find(fmt::format("item_scraped_count: {}\n", products)), std::string::npos)
      << "the summed stats count every item:\n" << result.err;
}

TEST_F(WorkersCrawl, TwoWorkersOnARedisWithAPasswordWriteEveryFeedOnce) {
  redis_server redis;
  SKIP_WITHOUT(redis);
  const auto result =
      crawl(shop_crawl({"--workers", "2", "-s", "REDIS_URL=" + redis.url(), "-O", "items.jsonl", "-O", "items.csv"}));
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.err.find("Started a private redis-server"), std::string::npos) << result.err;
  expect_each_product_once(dir_ / "items.jsonl");
  expect_workers_ended(result.err, 2);
  expect_every_worker_wrote_items(result.err);
  const auto csv = read_file(dir_ / "items.csv");
  EXPECT_EQ(std::ranges::count(csv, '\n'), static_cast<std::ptrdiff_t>(products + 1)) << "one header, a row per product";
  EXPECT_FALSE(fs::exists(dir_ / "items.jsonl.parts"));
  EXPECT_FALSE(fs::exists(dir_ / "items.csv.parts"));
  // The parts' positions went with the parts: workers back with these ids start new parts.
  for (const auto& [id, pid] : started_workers(result.err))
    EXPECT_EQ(redis.command({"HEXISTS", "catalog:sink:" + id, "feed_export"}), redis::reply::make_integer(0)) << id;
}

TEST_F(WorkersCrawl, CtrlCIsPassedToEveryWorkerAndTheCommittedItemsAreMerged) {
  SKIP_WITHOUT_REDIS_SERVER();
  site_->set_delay(50ms);
  const int launcher = launch_until({"--workers", "2", "-O", "items.jsonl"}, 40);
  ASSERT_GT(launcher, 0);
  ::kill(launcher, SIGINT);
  EXPECT_EQ(wait_for_exit(launcher), 0);
  const auto log = read_file(dir_ / ".test-stderr");
  EXPECT_NE(log.find("Received SIGINT, passing it to the workers"), std::string::npos) << log;
  expect_workers_ended(log, 2);
  const auto ids = feed_ids(read_file(dir_ / "items.jsonl"));
  EXPECT_LT(ids.size(), products) << "the crawl was not stopped";
  for (const auto& [id, count] : ids) EXPECT_EQ(count, 1) << "product " << id;
  const auto [server_pid, server_folder] = private_server(log);
  EXPECT_FALSE(process_exists(server_pid));
  EXPECT_FALSE(fs::exists(server_folder));
}

TEST_F(WorkersCrawl, AWorkerKilledForGoodLeavesNoDuplicateAndTheLauncherSaysSo) {
  SKIP_WITHOUT_REDIS_SERVER();
  site_->set_delay(20ms);
  const int launcher = launch_until({"--workers", "2", "-O", "items.jsonl", "-s", "REDIS_LEASE_TIME=1"}, 100);
  ASSERT_GT(launcher, 0);
  const auto workers = started_workers(read_file(dir_ / ".test-stderr"));
  ASSERT_EQ(workers.size(), 2u);
  const auto& [victim, victim_pid] = *workers.begin();
  ::kill(victim_pid, SIGKILL);
  EXPECT_EQ(wait_for_exit(launcher), 1) << "a worker killed by a signal";
  const auto log = read_file(dir_ / ".test-stderr");
  EXPECT_NE(log.find(fmt::format("Worker {} (pid {}) was killed by SIGKILL", victim, victim_pid)), std::string::npos)
      << log;
  // The other worker redid the killed one's leased requests; the killed one's part counts up to
  // its last commit only.
  expect_each_product_once(dir_ / "items.jsonl");
  EXPECT_FALSE(fs::exists(dir_ / "items.jsonl.parts"));
  const auto [server_pid, server_folder] = private_server(log);
  EXPECT_FALSE(process_exists(server_pid));
  EXPECT_FALSE(fs::exists(server_folder));
}

TEST_F(WorkersCrawl, StoppedOnASharedRedisTheSameCommandContinuesAndMergesAtTheEnd) {
  redis_server redis;
  SKIP_WITHOUT(redis);
  site_->set_delay(30ms);
  const std::vector<std::string> command{"--workers", "2", "-s", "REDIS_URL=" + redis.url(), "-O", "items.jsonl"};
  const int first = launch_until(command, 100);
  ASSERT_GT(first, 0);
  ::kill(first, SIGINT);
  EXPECT_EQ(wait_for_exit(first), 0);
  const auto stopped = read_file(dir_ / ".test-stderr");
  EXPECT_NE(stopped.find("The crawl is not over"), std::string::npos) << stopped;
  EXPECT_FALSE(fs::exists(dir_ / "items.jsonl")) << "a feed of a crawl that is not over";
  EXPECT_TRUE(fs::exists(dir_ / "items.jsonl.parts")) << "the parts the next run continues";

  site_->set_delay(2ms);
  const auto again = crawl(shop_crawl(command));
  ASSERT_EQ(again.status, 0) << again.err;
  ASSERT_EQ(started_workers(stopped).size(), 2u);
  for (const auto& [id, pid] : started_workers(stopped))
    EXPECT_TRUE(started_workers(again.err).contains(id)) << "the same command continues worker " << id;
  expect_each_product_once(dir_ / "items.jsonl");
  EXPECT_FALSE(fs::exists(dir_ / "items.jsonl.parts"));
}

}  // namespace
