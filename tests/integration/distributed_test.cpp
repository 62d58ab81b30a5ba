// The distributed crawl (issue 12, docs/distributed.md): worker processes of the orbweaver binary
// (`crawl catalog -s SCHEDULER=redis -s REDIS_WORKER_ID=wN ...`, the command a user runs on each
// machine) share one frontier on a real redis-server with a password, and crawl a generated shop
// on the in-process test server. Every crawl test checks that each product is in exactly one
// worker's feed part once the parts are cut at the positions the workers last committed (what
// `crawl --workers N` does when it merges them), that no page was fetched more than twice, and
// that every worker ends on its own with exit status 0.
//
// The kill tests' moments come from a seeded RNG; the seed is printed, and ORBWEAVER_KILL_SEED=N
// repeats a run.
#include "crawl_process.hpp"
#include "crawl_runner.hpp"
#include "free_port.hpp"
#include "product_site.hpp"
#include "program_runner.hpp"
#include "redis_server.hpp"
#include "test_server.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

constexpr int killed = 128 + SIGKILL;

// A worker process: its id, its feed part (the same file when it is started again) and the
// folder of its current run (its standard output and error).
struct worker {
  std::string id;
  fs::path part;
  fs::path run_dir;
  int pid = -1;
  int runs = 0;
};

class distributed_crawl : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-distributed-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    use_redis({});
  }
  void TearDown() override {
    for (auto& w : workers_)
      if (w->pid > 0) {
        ::kill(w->pid, SIGKILL);
        wait_for_exit(w->pid);
      }
    fs::remove_all(dir_);
  }

  // A redis-server of this test's own; the test is skipped when there is none.
  void use_redis(redis_server::options options) {
    redis_.reset();
    redis_ = std::make_unique<redis_server>(options);
    if (!redis_->unavailable().empty()) GTEST_SKIP() << redis_->unavailable();
  }

  void serve(std::size_t products, std::chrono::milliseconds delay) {
    site_ = std::make_unique<product_site>(server_, products, delay);
  }

  // The command of every worker of the crawl, with `extra_` after it. The whole site is one host,
  // and its concurrency holds for all the workers together: room for all of them.
  std::vector<std::string> worker_args(const worker& w) const {
    std::vector<std::string> args{"crawl", "catalog", "-a", "url=" + server_.url("/"), "-O", w.part.string(),
                                  "-s", "SCHEDULER=redis", "-s", "REDIS_URL=" + redis_->url(),
                                  "-s", "REDIS_WORKER_ID=" + w.id,
                                  "-s", fmt::format("SCHEDULER_IDLE_BEFORE_CLOSE={}", idle_before_close_.count() / 1000.0),
                                  "-s", "REDIS_LEASE_TIME=3", "-s", "CONCURRENT_REQUESTS=8",
                                  "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32", "-s", "LOG_LEVEL=INFO"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    return args;
  }

  worker& add_worker(std::string id) {
    auto w = std::make_unique<worker>();
    w->part = dir_ / "parts" / (id + ".jsonl");
    w->id = std::move(id);
    workers_.push_back(std::move(w));
    return *workers_.back();
  }

  // Starts the worker (again, with the same command, when it ran before).
  void launch(worker& w) {
    w.run_dir = dir_ / fmt::format("{}-run{}", w.id, ++w.runs);
    fs::create_directories(w.run_dir);
    w.pid = start_program(ORBWEAVER_BINARY, worker_args(w), w.run_dir);
    ASSERT_GT(w.pid, 0) << "cannot start " << ORBWEAVER_BINARY;
  }

  std::vector<worker*> launch_workers(int n) {
    std::vector<worker*> started;
    for (int i = 1; i <= n; ++i) {
      started.push_back(&add_worker(fmt::format("w{}", i)));
      launch(*started.back());
    }
    return started;
  }

  std::string log_of(const worker& w) const { return read_file(w.run_dir / ".test-stderr"); }

  // Waits for the first request of the crawl to reach the site; false when none came in 30 s.
  bool wait_until_fetching() const {
    for (auto deadline = clock_type::now() + 30s; clock_type::now() < deadline; std::this_thread::sleep_for(5ms))
      if (site_->fetches() > 0) return true;
    return false;
  }

  // Every one of the workers ends on its own with exit 0 (60 s at most), after the crawl has been
  // idle for SCHEDULER_IDLE_BEFORE_CLOSE: none stops while others still fetch, none stays long
  // after the crawl's last request.
  void expect_all_end_by_themselves(const std::vector<worker*>& workers) {
    std::map<worker*, clock_type::time_point> ended;
    for (auto deadline = clock_type::now() + 60s; ended.size() < workers.size() && clock_type::now() < deadline;
         std::this_thread::sleep_for(10ms))
      for (auto* w : workers)
        if (!ended.contains(w))
          if (auto status = exit_status_if_ended(w->pid)) {
            ended[w] = clock_type::now();
            w->pid = -1;
            EXPECT_EQ(*status, 0) << "worker " << w->id << ":\n" << log_of(*w);
            EXPECT_NE(log_of(*w).find("Spider closed (finished)"), std::string::npos) << "worker " << w->id << ":\n" << log_of(*w);
          }
    const auto last_fetch = site_->last_fetch();
    for (auto* w : workers) {
      if (!ended.contains(w)) {
        ADD_FAILURE() << "worker " << w->id << " did not end within 60 s:\n" << log_of(*w);
        continue;
      }
      EXPECT_GE(ended[w] - last_fetch, idle_before_close_ - 100ms)
          << "worker " << w->id << " ended before the crawl was idle for long enough:\n" << log_of(*w);
      EXPECT_LE(ended[w] - last_fetch, idle_before_close_ + 5s)
          << "worker " << w->id << " went on long after the crawl's last request:\n" << log_of(*w);
    }
  }

  void kill_worker(worker& w) {
    ::kill(w.pid, SIGKILL);
    EXPECT_EQ(wait_for_exit(w.pid), killed);
    w.pid = -1;
  }

  // Where the worker's feed part ended at its last commit, from PREFIX:sink:<worker>.
  std::optional<std::size_t> committed_size(const worker& w) const {
    const std::string position = redis_->command({"HGET", "catalog:sink:" + w.id, "feed_export"}).text;
    if (position.empty()) return std::nullopt;
    const json::value parsed = json::parse(position);  // kept: if_contains points into it
    const json::value* bytes = parsed.as_object().if_contains(w.part.string());
    if (!bytes) return std::nullopt;
    return static_cast<std::size_t>(bytes->to_number<std::int64_t>());
  }

  // The worker's part up to its last commit: what it wrote after that, other workers redid.
  std::string cut_part(const worker& w) const {
    const auto size = committed_size(w);
    EXPECT_TRUE(size) << "worker " << w.id << " recorded no position for " << w.part;
    return read_file(w.part).substr(0, size.value_or(0));
  }

  // Every product once over the parts (cut at their commits when `cut`, whole otherwise), no page
  // fetched more than `fetches` times (twice where a worker or Redis failed, once otherwise), and
  // the crawl's stats on Redis counting every item once.
  void expect_every_item_once(bool cut = true, std::size_t fetches = 2) {
    std::map<std::int64_t, int> ids;
    for (const auto& w : workers_) {
      const std::string part = cut ? cut_part(*w) : read_file(w->part);
      for (const auto& [id, count] : feed_ids(part)) ids[id] += count;
    }
    expect_each_id_once("the workers' parts", ids, site_->products());
    expect_each_page_fetched_at_most(fetches, *site_);
    expect_stats_add_up();
  }

  // PREFIX:stats counts each item once; each worker's own stats add up to it.
  void expect_stats_add_up() {
    const long long total = crawl_stat("item_scraped_count");
    EXPECT_EQ(total, static_cast<long long>(site_->products())) << "catalog:stats item_scraped_count";
    long long sum = 0;
    for (const auto& w : workers_) sum += crawl_stat("item_scraped_count", "catalog:stats:" + w->id);
    EXPECT_EQ(sum, total) << "the workers' stats do not add up to the crawl's";
  }

  // A worker that ended on its own committed its whole part.
  void expect_part_committed(const worker& w) const {
    EXPECT_EQ(committed_size(w), fs::file_size(w.part)) << "worker " << w.id << " ended with uncommitted items";
  }

  // Workers that end on their own, each with a share of the items, together every item once.
  void expect_shared_crawl(const std::vector<worker*>& workers) {
    expect_all_end_by_themselves(workers);
    for (auto* w : workers) expect_part_committed(*w);
    expect_every_item_once(true, 1);
    for (auto* w : workers) EXPECT_FALSE(read_file(w->part).empty()) << "worker " << w->id << " scraped nothing:\n" << log_of(*w);
  }

  void kill_one_of_three_mid_crawl(worker*& victim);

  // A counter the workers committed to PREFIX:stats (or a worker's own hash), 0 when absent.
  long long crawl_stat(const std::string& key, const std::string& hash = "catalog:stats") const {
    const std::string value = redis_->command({"HGET", hash, key}).text;
    return value.empty() ? 0 : std::stoll(value);
  }

  // Waits until the worker's part holds `n` items; false after 20 s or when the worker ended.
  bool wait_for_items(const worker& w, std::size_t n) const {
    for (auto deadline = clock_type::now() + 20s; clock_type::now() < deadline; std::this_thread::sleep_for(20ms)) {
      if (lines_of(read_file(w.part)).size() >= n) return true;
      if (!still_running(w.pid)) return false;
    }
    return false;
  }

  test_server server_;
  std::unique_ptr<redis_server> redis_;
  std::unique_ptr<product_site> site_;
  fs::path dir_;
  std::vector<std::string> extra_;
  std::chrono::milliseconds idle_before_close_ = 1000ms;
  std::vector<std::unique_ptr<worker>> workers_;
};

class DistributedCrawl : public distributed_crawl {};

TEST_F(DistributedCrawl, TwoWorkersGetEveryItemOnce) {
  serve(2000, 5ms);
  auto workers = launch_workers(2);
  expect_shared_crawl(workers);
}

TEST_F(DistributedCrawl, ThreeWorkersGetEveryItemOnce) {
  serve(2000, 5ms);
  auto workers = launch_workers(3);
  expect_shared_crawl(workers);
}

// A worker started while the crawl runs (the same command on another machine) joins it.
TEST_F(DistributedCrawl, AWorkerStartedLaterJoinsTheCrawl) {
  serve(3000, 10ms);
  auto workers = launch_workers(1);
  ASSERT_TRUE(wait_until_fetching());
  std::this_thread::sleep_for(500ms);
  const auto fetched = site_->fetches();
  ASSERT_LT(fetched, site_->pages() / 2) << "the crawl was half done before the second worker";
  workers.push_back(&add_worker("w2"));
  ASSERT_NO_FATAL_FAILURE(launch(*workers.back()));
  expect_shared_crawl(workers);
  EXPECT_NE(log_of(*workers.back()).find("Start requests were admitted by another worker"), std::string::npos)
      << log_of(*workers.back());
}

// Three workers crawl 3000 products; one of them, drawn from the seed, is killed with SIGKILL at
// a moment drawn from it too. Items reach the parts at once (FEED_FLUSH_INTERVAL=0), so the killed
// worker's part holds items it never committed.
void distributed_crawl::kill_one_of_three_mid_crawl(worker*& victim) {
  const auto seed = kill_seed();
  std::cout << "kill seed " << seed << " (ORBWEAVER_KILL_SEED=" << seed << " repeats it)\n";
  RecordProperty("seed", std::to_string(seed));
  std::mt19937 rng(seed);
  serve(3000, 10ms);
  extra_ = {"-s", "FEED_FLUSH_INTERVAL=0"};
  auto workers = launch_workers(3);
  ASSERT_TRUE(wait_until_fetching());
  const auto after = std::chrono::milliseconds(std::uniform_int_distribution(300, 1500)(rng));
  std::this_thread::sleep_for(after);
  victim = workers[std::uniform_int_distribution(0, 2)(rng)];
  ASSERT_TRUE(still_running(victim->pid)) << "worker " << victim->id << " ended before its kill:\n" << log_of(*victim);
  const auto fetched = site_->fetches();
  kill_worker(*victim);
  std::cout << fmt::format("SIGKILL to {} {} ms after the first request, {} of {} pages fetched; its part holds "
                           "{} bytes, {} committed\n", victim->id, after.count(), fetched, site_->pages(),
                           fs::file_size(victim->part), committed_size(*victim).value_or(0));
}

// Its leases expire and the others redo them.
TEST_F(DistributedCrawl, AKilledWorkersRequestsAreRedoneByTheOthers) {
  worker* victim = nullptr;
  ASSERT_NO_FATAL_FAILURE(kill_one_of_three_mid_crawl(victim));
  std::vector<worker*> others;
  for (const auto& w : workers_)
    if (w.get() != victim) others.push_back(w.get());
  expect_all_end_by_themselves(others);
  expect_every_item_once();
  EXPECT_GT(crawl_stat("scheduler/lease_expired"), 0) << "the killed worker held no lease";
}

// Started again at once with its id, it cuts its own part back to its last commit and goes on:
// the parts need no cut from outside.
TEST_F(DistributedCrawl, AKilledWorkerStartedAgainWithItsIdContinues) {
  worker* victim = nullptr;
  ASSERT_NO_FATAL_FAILURE(kill_one_of_three_mid_crawl(victim));
  const auto written = fs::file_size(victim->part), committed = committed_size(*victim).value_or(0);
  ASSERT_NO_FATAL_FAILURE(launch(*victim));
  std::vector<worker*> all;
  for (const auto& w : workers_) all.push_back(w.get());
  expect_all_end_by_themselves(all);
  const std::string log = log_of(*victim);
  EXPECT_NE(log.find("continuing from commit"), std::string::npos) << log;
  if (written > committed) {
    EXPECT_NE(log.find(fmt::format("cut {} bytes", written - committed)), std::string::npos) << log;
  }
  for (const auto& w : workers_) expect_part_committed(*w);
  expect_every_item_once(false);
}

// A worker stopped with SIGTERM finishes its requests in flight, commits them and hands the
// leases it had not started back at once: nothing waits for a lease to expire.
TEST_F(DistributedCrawl, AWorkerStoppedWithSigtermHandsItsLeasesBack) {
  serve(3000, 10ms);
  auto workers = launch_workers(3);
  worker& stopped = *workers[1];
  // Items in its part: its engine runs and handles SIGTERM (before that, SIGTERM ends a process
  // that has made no request).
  ASSERT_TRUE(wait_for_items(stopped, 1)) << log_of(stopped);
  ::kill(stopped.pid, SIGTERM);
  const auto status = wait_for_exit_within(stopped.pid, 20s);
  stopped.pid = -1;
  EXPECT_EQ(status, 0) << log_of(stopped);
  EXPECT_NE(log_of(stopped).find("Spider closed (shutdown)"), std::string::npos) << log_of(stopped);
  expect_all_end_by_themselves({workers[0], workers[2]});
  for (auto* w : workers) expect_part_committed(*w);
  expect_every_item_once();
  EXPECT_EQ(crawl_stat("scheduler/lease_expired"), 0) << "a lease of the stopped worker expired";
}

// Redis crashes mid-crawl and comes back from its append-only file (synced at every write): the
// workers wait for it, saying so once, and finish the crawl.
TEST_F(DistributedCrawl, RedisRestartedMidCrawlLosesNothing) {
  use_redis({.append_only = true, .fsync_every_write = true});
  if (IsSkipped()) return;
  serve(2000, 10ms);
  // A lease must outlast the outage and the reconnects' backoff, or another worker redoes it.
  extra_ = {"-s", "REDIS_LEASE_TIME=6"};
  auto workers = launch_workers(2);
  ASSERT_TRUE(wait_until_fetching());
  std::this_thread::sleep_for(800ms);
  const auto fetched = site_->fetches();
  ASSERT_LT(fetched, site_->pages()) << "the crawl was over before Redis went down";
  redis_->kill();
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(redis_->start()) << "redis-server did not start again";
  std::cout << fmt::format("Redis down for 0.5 s after {} of {} pages\n", fetched, site_->pages());
  expect_all_end_by_themselves(workers);
  for (auto* w : workers) {
    const std::string log = log_of(*w);
    std::size_t said = 0;
    for (const auto& line : lines_of(log)) said += line.find(" unavailable") != std::string::npos;
    EXPECT_EQ(said, 1u) << "worker " << w->id << " does not say once that Redis is unavailable:\n" << log;
    EXPECT_NE(log.find(" is back after "), std::string::npos) << "worker " << w->id << " does not say Redis is back:\n" << log;
    expect_part_committed(*w);
  }
  expect_every_item_once();
  EXPECT_EQ(crawl_stat("scheduler/lease_expired"), 0) << "leases expired in the outage";
}

// Three workers and a host allowed one request at a time, 0.2 s apart: the site never sees two
// at once, nor two arrivals closer than 0.2 s.
class DistributedPoliteness : public distributed_crawl {
 protected:
  DistributedPoliteness() { idle_before_close_ = 500ms; }

  void expect_polite_crawl() {
    serve(24, 20ms);  // 27 pages
    auto workers = launch_workers(3);
    expect_all_end_by_themselves(workers);
    expect_every_item_once(true, 1);
    EXPECT_EQ(server_.peak_concurrency("127.0.0.1"), 1u) << "two requests to the host at once";
    expect_pages_arrived_apart(200ms);
  }

  // No two requests for the site's pages arrived closer than `delay`.
  void expect_pages_arrived_apart(std::chrono::milliseconds delay) const {
    std::vector<clock_type::time_point> arrivals;
    for (const auto& [path, count] : site_->fetches_by_path())
      for (auto at : server_.arrivals(path)) arrivals.push_back(at);
    std::ranges::sort(arrivals);
    ASSERT_EQ(arrivals.size(), site_->pages());
    for (std::size_t i = 1; i < arrivals.size(); ++i)
      EXPECT_GE(arrivals[i] - arrivals[i - 1], delay)
          << "requests " << i << " and " << i + 1 << " came "
          << std::chrono::duration<double, std::milli>(arrivals[i] - arrivals[i - 1]).count() << " ms apart";
  }
};

TEST_F(DistributedPoliteness, PerDomainConcurrencyAndDelayHoldAcrossWorkers) {
  extra_ = {"-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "DOWNLOAD_DELAY=0.2", "-s", "RANDOMIZE_DOWNLOAD_DELAY=false"};
  expect_polite_crawl();
}

TEST_F(DistributedPoliteness, DownloadSlotsPolicyHoldsAcrossWorkers) {
  extra_ = {"-s", R"(DOWNLOAD_SLOTS={"127.0.0.1": {"concurrency": 1, "delay": 0.2, "randomize_delay": false}})"};
  expect_polite_crawl();
}

// robots.txt's Crawl-delay, learnt by whichever worker fetches it first, raises the host's delay
// for every worker and keeps the rest of its DOWNLOAD_SLOTS policy (one request at a time). Each
// worker fetches robots.txt itself, outside the shared schedule: its fetches are not counted.
TEST_F(DistributedPoliteness, RobotsCrawlDelayHoldsAcrossWorkersAndKeepsTheSlotsConcurrency) {
  server_.route("/robots.txt", [](const test_request&) {
    test_reply reply{.body = "User-agent: *\nCrawl-delay: 0.3\n"};
    reply.headers.set("Content-Type", "text/plain");
    return reply;
  });
  serve(12, 20ms);  // 14 pages
  extra_ = {"-s", R"(DOWNLOAD_SLOTS={"127.0.0.1": {"concurrency": 1, "delay": 0.2, "randomize_delay": false}})",
            "-s", "ROBOTSTXT_OBEY=true"};
  auto workers = launch_workers(3);
  expect_all_end_by_themselves(workers);
  expect_every_item_once();
  expect_pages_arrived_apart(300ms);
  EXPECT_EQ(redis_->command({"HGET", "catalog:slot:127.0.0.1", "concurrency"}).text, "1");
  EXPECT_EQ(redis_->command({"HGET", "catalog:slot:127.0.0.1", "delay_ms"}).text, "300");
  EXPECT_EQ(redis_->command({"HGET", "catalog:slot:127.0.0.1", "randomize"}).text, "0");
}

// A Redis that refuses the password or does not answer stops a worker at start: exit 2, a message
// naming the server, and no request made.
class DistributedStart : public distributed_crawl {
 protected:
  program_result run_worker(const std::string& redis_url) {
    serve(20, 0ms);
    fs::create_directories(dir_ / "refused");
    return run_program(ORBWEAVER_BINARY,
                       {"crawl", "catalog", "-a", "url=" + server_.url("/"), "-O", (dir_ / "part.jsonl").string(),
                        "-s", "SCHEDULER=redis", "-s", "REDIS_URL=" + redis_url, "-s", "REDIS_WORKER_ID=w1"},
                       dir_ / "refused");
  }
};

TEST_F(DistributedStart, AWrongPasswordEndsWithExit2BeforeAnyRequest) {
  const std::string wrong = "not-the-password-4711";
  const auto result = run_worker(redis_->url_with_password(wrong));
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_NE(result.err.find(fmt::format("127.0.0.1:{}", redis_->port())), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("password"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(wrong), std::string::npos) << "the password is shown: " << result.err;
  EXPECT_EQ(result.err.find(redis_->password()), std::string::npos) << "the password is shown: " << result.err;
  EXPECT_EQ(site_->fetches(), 0u);
}

TEST_F(DistributedStart, AnUnreachableRedisEndsWithExit2BeforeAnyRequest) {
  refusing_port nobody;
  const auto result = run_worker(fmt::format("redis://:{}@127.0.0.1:{}/0", redis_->password(), nobody.port()));
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_NE(result.err.find(fmt::format("127.0.0.1:{}", nobody.port())), std::string::npos) << result.err;
  EXPECT_EQ(site_->fetches(), 0u);
}

// scrapy-redis's PREFIX:start_urls, read by the verbs tests' echo spider (it has no start URLs
// of its own; its parse emits the page's title, its show_arguments the request's meta "note").
class DistributedStartUrls : public distributed_crawl {
 protected:
  void SetUp() override {
    distributed_crawl::SetUp();
    for (const char* page : {"a", "b", "c", "d"})
      server_.route(fmt::format("/{}.html", page), [page](const test_request&) {
        return test_reply{.body = fmt::format("<html><head><title>Page {}</title></head><body></body></html>", page)};
      });
  }
  std::string url(const char* page) const { return server_.url(fmt::format("/{}.html", page), "localhost"); }

  // The echo spider as a worker of the crawl `echo`, with `more` options.
  int start_echo_worker(const worker& w, std::vector<std::string> more) const {
    std::vector<std::string> args{"crawl", "echo", "-O", w.part.string(), "-s", "SCHEDULER=redis",
                                  "-s", "REDIS_URL=" + redis_->url(), "-s", "REDIS_WORKER_ID=" + w.id,
                                  "-s", "SCHEDULER_IDLE_BEFORE_CLOSE=0.5", "-s", "LOG_LEVEL=INFO"};
    args.insert(args.end(), more.begin(), more.end());
    return start_program(ORBWEAVER_VERBS_LAUNCHER, args, w.run_dir);
  }

  // The values of `field` in the worker's items that have it.
  static std::multiset<std::string> values_in(const worker& w, const char* field) {
    std::multiset<std::string> values;
    for (const auto& line : lines_of(read_file(w.part))) {
      const json::value item = json::parse(line);  // kept: if_contains points into it
      if (const auto* value = item.as_object().if_contains(field)) values.insert(std::string(value->as_string()));
    }
    return values;
  }

};

// Start URLs a worker had taken from PREFIX:start_urls when it died (still in its own list, not
// admitted) are crawled when it comes back with its id, and by no other worker: another worker
// crawls what waits in PREFIX:start_urls and ends, since the dead worker's list does not hold up
// the crawl's end.
TEST_F(DistributedStartUrls, StartUrlsHeldByADeadWorkerAreCrawledWhenItComesBack) {
  ASSERT_EQ(redis_->command({"RPUSH", "echo:start_urls:w1", url("a"), url("b")}).integer, 2);
  ASSERT_EQ(redis_->command({"RPUSH", "echo:start_urls", url("c")}).integer, 1);
  for (const char* id : {"w2", "w1"}) {
    worker& w = add_worker(id);
    w.run_dir = dir_ / fmt::format("{}-run1", id);
    fs::create_directories(w.run_dir);
    w.pid = start_echo_worker(w, {});
    ASSERT_GT(w.pid, 0);
    const auto status = wait_for_exit_within(w.pid, 20s);
    w.pid = -1;
    EXPECT_EQ(status, 0) << log_of(w);
  }
  EXPECT_EQ(values_in(*workers_[0], "title"), std::multiset<std::string>{"Page c"}) << log_of(*workers_[0]);
  EXPECT_EQ(values_in(*workers_[1], "title"), (std::multiset<std::string>{"Page a", "Page b"})) << log_of(*workers_[1]);
  EXPECT_EQ(redis_->command({"LLEN", "echo:start_urls:w1"}).integer, 0);
  EXPECT_EQ(redis_->command({"LLEN", "echo:start_urls"}).integer, 0);
}

TEST_F(DistributedStartUrls, KeepAliveWorkerCrawlsUrlsPushedAnyTimeAndEndsOnSigterm) {
  ASSERT_EQ(redis_->command({"RPUSH", "echo:start_urls", url("a"), "  " + url("b") + "\n",
                             fmt::format(R"({{"url": "{}", "meta": {{"note": "from redis"}}, "callback": "show_arguments"}})", url("c")),
                             R"({"meta": {"note": "no url"}})"})
                .integer,
            4);
  worker& w = add_worker("w1");
  w.run_dir = dir_ / "w1-run1";
  fs::create_directories(w.run_dir);
  w.pid = start_echo_worker(w, {"-s", "REDIS_KEEP_ALIVE=true"});
  ASSERT_GT(w.pid, 0);
  ASSERT_TRUE(wait_for_items(w, 3)) << read_file(w.part) << log_of(w);

  // Idle for longer than SCHEDULER_IDLE_BEFORE_CLOSE: kept alive, it waits for more.
  std::this_thread::sleep_for(1500ms);
  ASSERT_TRUE(still_running(w.pid)) << log_of(w);
  redis_->command({"RPUSH", "echo:start_urls", url("d")});
  ASSERT_TRUE(wait_for_items(w, 4)) << read_file(w.part) << log_of(w);
  EXPECT_EQ(redis_->command({"LLEN", "echo:start_urls"}).integer, 0);

  ::kill(w.pid, SIGTERM);
  const auto status = wait_for_exit_within(w.pid, 20s);
  w.pid = -1;
  EXPECT_EQ(status, 0) << log_of(w);
  EXPECT_EQ(redis_->command({"LLEN", "echo:start_urls:w1"}).integer, 0) << "start URLs held but never admitted";

  EXPECT_EQ(values_in(w, "title"), (std::multiset<std::string>{"Page a", "Page b", "Page d"}));
  EXPECT_EQ(values_in(w, "note"), std::multiset<std::string>{"from redis"});
  EXPECT_EQ(redis_->command({"HGET", "echo:stats", "scheduler/invalid_start_url"}).text, "1");
  EXPECT_NE(log_of(w).find("no url"), std::string::npos) << "the bad entry is not named:\n" << log_of(w);
}

}  // namespace
