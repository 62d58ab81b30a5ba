// `orbweaver crawl NAME --workers N` (issue 12): the private redis-server it starts without
// REDIS_URL, its usage errors, and whole crawls of the generated shop by 2 workers, with the
// private server and with a test redis-server with a password, every product once in one feed.
#include "redis/client.hpp"
#include "redis/local_server.hpp"

#include "crawl_runner.hpp"
#include "product_site.hpp"
#include "program_runner.hpp"
#include "redis_server.hpp"
#include "run_coroutine.hpp"
#include "test_server.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
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

}  // namespace
