// Crash-safe JOBDIR (issue 10): `orbweaver crawl catalog --jobdir DIR` stopped in every way a crawl
// can stop (SIGKILL at random moments, a double SIGINT, SIGTERM, a torn last record in the WAL, a
// kill before the first checkpoint) and resumed with the same command ends with every item exactly
// once in the SQLite store and the feeds (JSON lines, CSV, a JSON array), no page fetched more than
// twice, and the stats continued across the runs. A full disk, an unwritable JOBDIR, a JOBDIR in
// use and one of another version end with exit 1 and a clear message, with what was committed
// intact.
//
// The kill loop's moments come from a seeded RNG; the seed is printed, and ORBWEAVER_KILL_SEED=N
// repeats a run. The disk faults mount small tmpfs file systems (root in CI); where mount is
// refused the test is skipped with a message.
#include "crawl_process.hpp"
#include "crawl_runner.hpp"
#include "product_site.hpp"
#include "program_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/item.hpp>

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sqlite3.h>

#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

constexpr int killed = 128 + SIGKILL;

// A SQLite database opened for the test's own statements.
class sqlite_file {
 public:
  explicit sqlite_file(const fs::path& path, int flags = SQLITE_OPEN_READONLY) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK)
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
  }
  ~sqlite_file() { sqlite3_close(db_); }
  sqlite_file(const sqlite_file&) = delete;
  sqlite_file& operator=(const sqlite_file&) = delete;

  // A column of every row of `sql`, as integers.
  std::vector<std::int64_t> integers(const char* sql, int column = 0) {
    std::vector<std::int64_t> values;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return values;
    }
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) values.push_back(sqlite3_column_int64(statement, column));
    if (rc != SQLITE_DONE) ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    sqlite3_finalize(statement);
    return values;
  }
  void execute(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
  }

 private:
  sqlite3* db_ = nullptr;
};

std::map<std::int64_t, int> store_ids(const fs::path& store) {
  std::map<std::int64_t, int> ids;
  if (!fs::exists(store)) return ids;
  sqlite_file db(store);
  for (auto id : db.integers("SELECT json_extract(data, '$.id') FROM items")) ++ids[id];
  return ids;
}

// Writes `file` until its file system has no room left.
void fill_up(const fs::path& file) {
  std::ofstream out(file, std::ios::binary);
  const std::string block(4096, 'x');
  while (out.write(block.data(), static_cast<std::streamsize>(block.size())) && out.flush()) {
  }
}

std::uint32_t big_endian_32(const unsigned char* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3];
}

// Damages the last committed transaction of a WAL file as a power loss under synchronous=NORMAL
// or a torn write would: garbage over the end of its commit frame, whose checksum then fails, so
// that SQLite's recovery drops the transaction. Only a transaction not yet copied into the
// database (its frames past nBackfill in the -shm file) can be lost that way. Returns the number
// of the frame damaged, none when there is no such transaction.
std::optional<std::uint32_t> damage_last_transaction(const fs::path& wal, std::mt19937& rng) {
  auto text = read_file(wal);
  auto shm = read_file(fs::path(wal.string().substr(0, wal.string().size() - 4) + "-shm"));
  constexpr std::size_t wal_header = 32, frame_header = 24, shm_max_frame = 16, shm_backfill = 96;
  if (text.size() < wal_header || shm.size() < shm_backfill + 4) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t page_size = big_endian_32(bytes + 8);
  std::size_t frame_size = frame_header + page_size;
  std::uint32_t max_frame = 0, backfilled = 0;  // native order, as SQLite keeps its -shm
  std::memcpy(&max_frame, shm.data() + shm_max_frame, 4);
  std::memcpy(&backfilled, shm.data() + shm_backfill, 4);
  // The frames of the WAL's current generation carry its salts; the last commit frame among the
  // first max_frame of them ends the last transaction.
  std::optional<std::size_t> last_commit;
  for (std::size_t frame = 0; frame < max_frame && wal_header + (frame + 1) * frame_size <= text.size(); ++frame) {
    const auto* header = bytes + wal_header + frame * frame_size;
    if (std::memcmp(header + 8, bytes + 16, 8) != 0) break;
    if (big_endian_32(header + 4) != 0) last_commit = frame;
  }
  if (!last_commit || *last_commit < backfilled) return std::nullopt;
  std::size_t garbage_at = wal_header + (*last_commit + 1) * frame_size - 300;
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t i = garbage_at; i < garbage_at + 300; ++i) text[i] = static_cast<char>(byte(rng));
  std::ofstream(wal, std::ios::binary | std::ios::trunc) << text;
  std::cout << fmt::format("damaged WAL frame {} of {} (commit of the last transaction; {} frames backfilled)\n",
                           *last_commit + 1, max_frame, backfilled);
  return static_cast<std::uint32_t>(*last_commit + 1);
}

// How many frames of job.sqlite-wal SQLite keeps when it opens a copy of the JOBDIR's database
// (recovering from the WAL alone, as after a crash).
std::int64_t frames_recovered(const fs::path& job, const fs::path& scratch) {
  fs::create_directories(scratch);
  for (const char* name : {"job.sqlite", "job.sqlite-wal"}) fs::copy_file(job / name, scratch / name);
  sqlite_file db(scratch / "job.sqlite", SQLITE_OPEN_READWRITE);
  auto frames = db.integers("PRAGMA wal_checkpoint(PASSIVE)", 1);  // busy, frames in the WAL, frames copied
  return frames.empty() ? -1 : frames.front();
}

// A crawl of the catalog spider in a child process, its standard error into the test's folder.
struct crawl_process {
  int pid = -1;
  clock_type::time_point launched;
  std::size_t fetches_at_launch = 0;
};

struct crawl_end {
  int status = -1;
  std::string log;
};

class jobdir_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-jobdir-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    job_ = dir_ / "job";
    feed_ = dir_ / "items.jsonl";
    store_ = dir_ / "items.db";
  }
  void TearDown() override {
    // A failed assertion may leave a crawl running on a mount: end it first.
    for (int pid : running_) {
      ::kill(pid, SIGKILL);
      wait_for_exit(pid);
    }
    for (auto mount = mounts_.rbegin(); mount != mounts_.rend(); ++mount)
      if (umount2(mount->c_str(), MNT_DETACH) != 0)
        ADD_FAILURE() << "cannot unmount " << *mount << ": " << std::strerror(errno);
    fs::remove_all(dir_);
  }

  // `products` product pages, each answered after `delay`.
  void serve(std::size_t products, std::chrono::milliseconds delay) {
    site_ = std::make_unique<product_site>(server_, products, delay);
  }

  // The same command for every run of a test; `extra_` (more options) after it.
  std::vector<std::string> crawl_args(const fs::path& jobdir) const {
    std::vector<std::string> args{"crawl", "catalog", "-a", "url=" + server_.url("/"), "-O", feed_.string(), "-s",
                                  "STORE_URI=sqlite:" + store_.string(), "--jobdir", jobdir.string(), "-s",
                                  "CONCURRENT_REQUESTS=8", "-s", "LOG_LEVEL=INFO"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    return args;
  }

  crawl_process launch(const fs::path& jobdir) {
    crawl_process crawl{.launched = clock_type::now(), .fetches_at_launch = site_->fetches()};
    crawl.pid = start_program(ORBWEAVER_BINARY, crawl_args(jobdir), dir_);
    EXPECT_GT(crawl.pid, 0) << "cannot start " << ORBWEAVER_BINARY;
    if (crawl.pid > 0) running_.push_back(crawl.pid);
    return crawl;
  }
  crawl_process launch() { return launch(job_); }

  // Waits for the crawl's first request to reach the site; false when the crawl ended first or
  // none came within 30 s.
  bool wait_until_fetching(const crawl_process& crawl) const {
    for (auto deadline = clock_type::now() + 30s; clock_type::now() < deadline; std::this_thread::sleep_for(5ms)) {
      if (site_->fetches() > crawl.fetches_at_launch) return true;
      if (!still_running(crawl)) return false;
    }
    return false;
  }

  // From now on the site answers after `delay`; returns once a request of the crawl waits for
  // such an answer (one in flight for that long), or the crawl has ended.
  void slow_down(const crawl_process& crawl, std::chrono::milliseconds delay) {
    auto from = clock_type::now();
    site_->set_delay(delay);
    while (site_->last_fetch() <= from && still_running(crawl)) std::this_thread::sleep_for(5ms);
  }

  bool still_running(const crawl_process& crawl) const { return orbweaver::testing::still_running(crawl.pid); }

  // Waits for the crawl to end (SIGKILL after `timeout`, failing the test): its status and log.
  crawl_end finish(const crawl_process& crawl, std::chrono::seconds timeout = 60s) {
    crawl_end end;
    std::optional<int> status;
    for (auto deadline = clock_type::now() + timeout; !(status = exit_status_if_ended(crawl.pid));
         std::this_thread::sleep_for(10ms)) {
      if (clock_type::now() >= deadline) {
        ADD_FAILURE() << "the crawl did not end within " << timeout.count() << " s; killed";
        ::kill(crawl.pid, SIGKILL);
        status = wait_for_exit(crawl.pid);
        break;
      }
    }
    std::erase(running_, crawl.pid);
    end.status = *status;
    end.log = read_file(dir_ / ".test-stderr");
    return end;
  }

  // A crawl killed (SIGKILL) `after` its first request, leaving work in its JOBDIR.
  void kill_mid_crawl(const fs::path& jobdir, std::chrono::milliseconds after) {
    auto crawl = launch(jobdir);
    ASSERT_TRUE(wait_until_fetching(crawl)) << finish(crawl).log;
    std::this_thread::sleep_for(after);
    ASSERT_TRUE(still_running(crawl)) << "the crawl ended before its kill: " << finish(crawl).log;
    ::kill(crawl.pid, SIGKILL);
    EXPECT_EQ(finish(crawl).status, killed);
  }

  // A resume that runs to the end of the crawl.
  crawl_end run_to_the_end() {
    auto end = finish(launch(), 120s);
    EXPECT_EQ(end.status, 0) << end.log;
    EXPECT_NE(end.log.find("Spider closed (finished)"), std::string::npos) << end.log;
    return end;
  }

  // Every product exactly once in the store and the feed, the final stats counting every item
  // over all runs, and no page fetched more than twice, those fetched by runs that could not
  // have committed anything (`uncommitted`) aside.
  void expect_each_item_once(const crawl_end& last, const std::map<std::string, std::size_t>& uncommitted = {}) {
    expect_each_id_once("the store", store_ids(store_), site_->products());
    expect_each_id_once("the feed", feed_ids(read_file(feed_)), site_->products());
    EXPECT_EQ(dumped_stat(last.log, "item_scraped_count"), static_cast<std::int64_t>(site_->products()))
        << "the last run's stats do not count every item of all runs:\n" << last.log;
    expect_each_page_fetched_at_most(2, *site_, uncommitted);
  }

  // Items in the store or the feed more than once (after a failure: at most once each).
  void expect_no_item_twice() {
    for (const auto& [where, ids] : {std::pair{"the store", store_ids(store_)}, std::pair{"the feed", feed_ids(read_file(feed_))}})
      for (const auto& [id, count] : ids) EXPECT_EQ(count, 1) << "item " << id << " in " << where;
  }

  // A tmpfs at `where` (created), unmounted by TearDown; false when mount is refused.
  bool mount_tmpfs(const fs::path& where, unsigned long flags, const std::string& options) {
    fs::create_directories(where);
    if (::mount("tmpfs", where.c_str(), "tmpfs", flags, options.c_str()) != 0) {
      refused_mount_ = fmt::format("mount -t tmpfs -o {} {}: {}", options, where.string(), std::strerror(errno));
      return false;
    }
    mounts_.push_back(where);
    return true;
  }
  void remount(const fs::path& where, unsigned long flags, const std::string& options) {
    ASSERT_EQ(::mount("tmpfs", where.c_str(), "tmpfs", MS_REMOUNT | flags, options.c_str()), 0)
        << "remount " << where << " " << options << ": " << std::strerror(errno);
  }

  test_server server_;
  std::unique_ptr<product_site> site_;
  fs::path dir_, job_, feed_, store_;
  std::vector<std::string> extra_;
  std::vector<int> running_;
  std::vector<fs::path> mounts_;
  std::string refused_mount_;
};

class JobdirKill : public jobdir_test {};
class JobdirFaults : public jobdir_test {};

enum class stop { at_start_up, mid_crawl, during_shutdown };

// SIGKILL at 10 moments: 2 within 100 ms of the launch, 6 from 1.0 to 2.5 s after the first
// request, 2 while the crawl shuts down after a SIGINT; each run resumes the one before.
TEST_F(JobdirKill, TenRandomKillsThenResumingGetsEveryItemExactlyOnce) {
  // 3,151 pages at up to 100 a second: over 30 s of fetching, more than ten killed runs can do.
  serve(3000, 80ms);  // set_delay(80ms) below restores it
  const auto seed = kill_seed();
  std::cout << "kill loop seed " << seed << " (ORBWEAVER_KILL_SEED=" << seed << " repeats it)\n";
  RecordProperty("seed", std::to_string(seed));
  std::mt19937 rng(seed);
  std::vector<stop> plan{stop::at_start_up, stop::at_start_up, stop::during_shutdown, stop::during_shutdown};
  plan.insert(plan.end(), 6, stop::mid_crawl);
  std::ranges::shuffle(plan, rng);
  auto random_ms = [&rng](int from, int to) { return std::chrono::milliseconds(std::uniform_int_distribution(from, to)(rng)); };

  // A run killed within 100 ms cannot have committed a checkpoint (JOBDIR_CHECKPOINT_INTERVAL is
  // 0.5 s): whatever it fetched is fetched again, so its fetches do not count towards the two.
  std::map<std::string, std::size_t> uncommitted;
  for (std::size_t run = 0; run < plan.size(); ++run) {
    SCOPED_TRACE(fmt::format("run {} of the kill loop, seed {}", run + 1, seed));
    auto fetched_before = site_->fetches_by_path();
    auto crawl = launch();
    std::string what;
    if (plan[run] == stop::at_start_up) {
      auto after = random_ms(0, 100);
      std::this_thread::sleep_until(crawl.launched + after);
      what = fmt::format("SIGKILL {} ms after the launch", after.count());
    } else {
      ASSERT_TRUE(wait_until_fetching(crawl)) << "no request came: " << finish(crawl).log;
      auto after = random_ms(1000, 2500);
      std::this_thread::sleep_for(after);
      ASSERT_TRUE(still_running(crawl)) << "the crawl ended before its kill: " << finish(crawl).log;
      what = fmt::format("SIGKILL {} ms after the first request", after.count());
      if (plan[run] == stop::during_shutdown) {
        // A request answered in 1 s holds the graceful shutdown open: the SIGKILL lands in it.
        slow_down(crawl, 1s);
        ::kill(crawl.pid, SIGINT);
        auto grace = random_ms(50, 300);
        std::this_thread::sleep_for(grace);
        what = fmt::format("SIGINT {} ms after the first request, SIGKILL {} ms later", after.count(), grace.count());
      }
    }
    ::kill(crawl.pid, SIGKILL);
    auto end = finish(crawl);
    site_->set_delay(80ms);
    EXPECT_EQ(end.status, killed) << end.log;
    std::size_t fetched = 0;
    for (const auto& [path, count] : site_->fetches_by_path()) {
      auto now = count - (fetched_before.contains(path) ? fetched_before.at(path) : 0);
      fetched += now;
      if (plan[run] == stop::at_start_up && now > 0) uncommitted[path] += now;
    }
    std::cout << fmt::format("run {}: {}, exit {}, {} requests\n", run + 1, what, end.status, fetched);
  }

  auto last = run_to_the_end();
  std::cout << fmt::format("last run: {} requests in all over {} pages\n", site_->fetches(), site_->pages());
  expect_each_item_once(last, uncommitted);
}

// A second SIGINT while requests are in flight abandons them (exit 0); the resume fetches them
// again and gets every item once.
TEST_F(JobdirKill, DoubleSigintThenResumingGetsEveryItemExactlyOnce) {
  serve(600, 40ms);
  auto crawl = launch();
  ASSERT_TRUE(wait_until_fetching(crawl)) << finish(crawl).log;
  std::this_thread::sleep_for(1s);
  // Requests from now on take 3 s: the second SIGINT surely finds some in flight.
  slow_down(crawl, 3s);
  ::kill(crawl.pid, SIGINT);
  std::this_thread::sleep_for(100ms);
  ::kill(crawl.pid, SIGINT);
  auto second_sigint = clock_type::now();
  auto end = finish(crawl);
  auto took = clock_type::now() - second_sigint;
  site_->set_delay(40ms);
  EXPECT_EQ(end.status, 0) << end.log;
  EXPECT_NE(end.log.find("abandoning the requests in flight"), std::string::npos) << end.log;
  EXPECT_LT(took, 2s) << "the crawl waited for the requests in flight instead of abandoning them";

  expect_each_item_once(run_to_the_end());
}

TEST_F(JobdirKill, SigtermThenResumingGetsEveryItemExactlyOnce) {
  serve(600, 40ms);
  auto crawl = launch();
  ASSERT_TRUE(wait_until_fetching(crawl)) << finish(crawl).log;
  std::this_thread::sleep_for(1200ms);
  ::kill(crawl.pid, SIGTERM);
  auto end = finish(crawl, 20s);
  EXPECT_EQ(end.status, 0) << end.log;
  EXPECT_NE(end.log.find("Spider closed (shutdown)"), std::string::npos) << end.log;
  auto scraped = dumped_stat(end.log, "item_scraped_count");
  ASSERT_TRUE(scraped) << end.log;
  EXPECT_LT(*scraped, 600) << "the SIGTERM came after the crawl's end";

  expect_each_item_once(run_to_the_end());
}

// The last transaction of job.sqlite-wal damaged after a SIGKILL (a torn write, or a commit lost
// to power): SQLite's recovery drops it, the JOBDIR is back at the checkpoint before, and the
// resume cuts the feed and the store back to it and redoes the work.
TEST_F(JobdirKill, DamagedLastRecordOfTheWalIsSurvived) {
  serve(600, 40ms);
  const auto seed = kill_seed();
  std::cout << "damage seed " << seed << " (ORBWEAVER_KILL_SEED=" << seed << " repeats it)\n";
  std::mt19937 rng(seed);
  std::optional<std::uint32_t> damaged;
  // A kill just after a WAL checkpoint leaves no transaction to lose: kill a little later again.
  for (int attempt = 0; attempt < 5 && !damaged; ++attempt) {
    ASSERT_NO_FATAL_FAILURE(kill_mid_crawl(job_, std::chrono::milliseconds(std::uniform_int_distribution(700, 1200)(rng))));
    damaged = damage_last_transaction(job_ / "job.sqlite-wal", rng);
  }
  ASSERT_TRUE(damaged) << "no kill left a transaction in job.sqlite-wal to damage";
  EXPECT_LT(frames_recovered(job_, dir_ / "recovered"), *damaged) << "SQLite kept the damaged transaction";

  expect_each_item_once(run_to_the_end());
}

// A first run killed before its first checkpoint (a long JOBDIR_CHECKPOINT_INTERVAL) has already
// written items: the store's committed batches (SQLITE_BATCH_SIZE) and the feed's flushes. The
// resume removes them all, since no request was recorded done.
TEST_F(JobdirKill, ItemsWrittenBeforeTheFirstCheckpointAreNotKeptTwice) {
  serve(600, 40ms);
  extra_ = {"-s", "JOBDIR_CHECKPOINT_INTERVAL=5", "-s", "SQLITE_BATCH_SIZE=20", "-s", "FEED_FLUSH_INTERVAL=0"};
  ASSERT_NO_FATAL_FAILURE(kill_mid_crawl(job_, 1500ms));
  ASSERT_GE(store_ids(store_).size(), 20u) << "no batch reached the store before the kill";
  ASSERT_FALSE(feed_ids(read_file(feed_)).empty()) << "no item reached the feed before the kill";

  expect_each_item_once(run_to_the_end());
}

// Every kind of feed is cut back and continued: a CSV feed keeps one header, a JSON array feed
// stays one array, through SIGKILLs.
TEST_F(JobdirKill, CsvAndJsonArrayFeedsSurviveKills) {
  serve(600, 40ms);
  const auto csv = dir_ / "items.csv", array = dir_ / "items.json";
  extra_ = {"-O", csv.string(), "-O", array.string()};
  for (auto after : {1000ms, 1200ms, 1100ms}) ASSERT_NO_FATAL_FAILURE(kill_mid_crawl(job_, after));
  expect_each_item_once(run_to_the_end());

  auto rows = lines_of(read_file(csv));
  ASSERT_FALSE(rows.empty());
  for (auto& row : rows) {
    EXPECT_TRUE(row.ends_with('\r')) << "a CSV row ends without CRLF: " << row;
    if (row.ends_with('\r')) row.pop_back();
  }
  EXPECT_EQ(rows.front(), "id,title,price,sku,rating,tags,category");
  std::map<std::string, int> first_cells;
  for (const auto& row : rows) ++first_cells[row.substr(0, row.find(','))];
  for (const auto& [cell, count] : first_cells) EXPECT_EQ(count, 1) << "'" << cell << "' begins " << count << " rows of the CSV";
  EXPECT_EQ(rows.size(), site_->products() + 1);

  std::map<std::int64_t, int> ids;
  try {
    auto feed = json::parse(read_file(array));
    for (const auto& element : feed.as_array()) ++ids[element.as_object().at("id").to_number<std::int64_t>()];
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the JSON feed is not one array of items: " << e.what();
  }
  expect_each_id_once("the JSON array feed", ids, site_->products());
}

// The disk of the JOBDIR (a tmpfs) fills up mid-crawl: the crawl stops with exit 1 and an ERROR
// about the full disk; what was committed is intact (no item twice), and with room again the same
// command completes the crawl.
TEST_F(JobdirFaults, FullDiskEndsWithAnErrorAndTheResumeCompletes) {
  serve(600, 40ms);
  auto disk = dir_ / "disk";
  if (!mount_tmpfs(disk, 0, "size=16m")) GTEST_SKIP() << "cannot mount a tmpfs: " << refused_mount_;
  auto crawl = launch(disk / "job");
  ASSERT_TRUE(wait_until_fetching(crawl)) << finish(crawl).log;
  std::this_thread::sleep_for(1s);  // a checkpoint or two committed
  ASSERT_TRUE(still_running(crawl)) << "the crawl ended before the disk was full: " << finish(crawl).log;
  fill_up(disk / "filler");
  auto end = finish(crawl);
  EXPECT_EQ(end.status, 1) << end.log;
  EXPECT_NE(end.log.find("Spider closed (storage_error)"), std::string::npos) << end.log;
  bool error_says_so = false;
  for (const auto& line : lines_of(end.log))
    if (line.find(" ERROR: ") != std::string::npos &&
        (line.find("full") != std::string::npos || line.find("No space") != std::string::npos))
      error_says_so = true;
  EXPECT_TRUE(error_says_so) << "no ERROR line says the disk is full:\n" << end.log;
  std::cout << fmt::format("the disk was full after {} of {} pages\n", site_->fetches(), site_->pages());
  EXPECT_LT(site_->fetches(), site_->pages()) << "the crawl fetched every page before the disk was full";
  expect_no_item_twice();

  fs::remove(disk / "filler");
  auto last = finish(launch(disk / "job"), 120s);
  EXPECT_EQ(last.status, 0) << last.log;
  EXPECT_NE(last.log.find("Spider closed (finished)"), std::string::npos) << last.log;
  expect_each_item_once(last);
}

// A feed on a disk that fills up: the write that failed is cut away, so the feed ends in a whole
// line even before the next run, and the resume completes it.
TEST_F(JobdirFaults, AFeedOnAFullDiskStillEndsInAWholeLine) {
  serve(600, 40ms);
  auto disk = dir_ / "disk";
  if (!mount_tmpfs(disk, 0, "size=16m")) GTEST_SKIP() << "cannot mount a tmpfs: " << refused_mount_;
  feed_ = disk / "items.jsonl";
  auto crawl = launch();
  ASSERT_TRUE(wait_until_fetching(crawl)) << finish(crawl).log;
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(still_running(crawl)) << "the crawl ended before the disk was full: " << finish(crawl).log;
  fill_up(disk / "filler");
  auto end = finish(crawl);
  EXPECT_EQ(end.status, 1) << end.log;
  auto text = read_file(feed_);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "the feed ends in a torn line: ..." << text.substr(text.size() - std::min<std::size_t>(text.size(), 80));
  expect_no_item_twice();

  fs::remove(disk / "filler");
  auto last = finish(launch(), 120s);
  EXPECT_EQ(last.status, 0) << last.log;
  expect_each_item_once(last);
}

void expect_refused_before_any_request(const crawl_end& end, const fs::path& named, std::size_t fetches) {
  EXPECT_EQ(end.status, 1) << end.log;
  EXPECT_NE(end.log.find(named.string()), std::string::npos) << "the message does not name " << named << ":\n" << end.log;
  EXPECT_EQ(fetches, 0u) << "requests were made:\n" << end.log;
}

TEST_F(JobdirFaults, JobdirOnAFullDiskIsRefusedBeforeAnyRequest) {
  serve(20, 0ms);
  auto disk = dir_ / "disk";
  if (!mount_tmpfs(disk, 0, "size=1m")) GTEST_SKIP() << "cannot mount a tmpfs: " << refused_mount_;
  fill_up(disk / "filler");
  auto end = finish(launch(disk / "job"));
  expect_refused_before_any_request(end, disk / "job", site_->fetches());
  EXPECT_NE(end.log.find("No space left on device"), std::string::npos) << end.log;
}

TEST_F(JobdirFaults, JobdirUnderARegularFileIsRefusedBeforeAnyRequest) {
  serve(20, 0ms);
  auto plain_file = dir_ / "not-a-folder";
  std::ofstream(plain_file) << "a file, not a folder\n";
  auto end = finish(launch(plain_file / "job"));
  expect_refused_before_any_request(end, plain_file, site_->fetches());
}

// A JOBDIR on a read-only file system: a new one cannot be created, and one written before the
// file system became read-only cannot be continued.
TEST_F(JobdirFaults, JobdirOnAReadOnlyDiskIsRefusedBeforeAnyRequest) {
  serve(300, 20ms);
  auto read_only = dir_ / "read-only";
  if (!mount_tmpfs(read_only, MS_RDONLY, "size=1m")) GTEST_SKIP() << "cannot mount a tmpfs: " << refused_mount_;
  expect_refused_before_any_request(finish(launch(read_only / "job")), read_only / "job", site_->fetches());

  auto disk = dir_ / "disk";
  ASSERT_TRUE(mount_tmpfs(disk, 0, "size=16m")) << refused_mount_;
  ASSERT_NO_FATAL_FAILURE(kill_mid_crawl(disk / "job", 700ms));
  remount(disk, MS_RDONLY, "");
  auto fetched = site_->fetches();
  expect_refused_before_any_request(finish(launch(disk / "job")), disk / "job", site_->fetches() - fetched);
}

// A second crawl on the JOBDIR of a live one exits 1 ("in use") without touching it: the first
// runs on to its end with every item once.
TEST_F(JobdirFaults, JobdirInUseIsRefusedAndTheFirstCrawlGoesOn) {
  serve(600, 40ms);
  auto first = launch();
  ASSERT_TRUE(wait_until_fetching(first)) << finish(first).log;
  std::this_thread::sleep_for(300ms);
  auto lock = read_file(job_ / "lock");
  EXPECT_NE(lock.find(std::to_string(first.pid)), std::string::npos) << "the lock file holds '" << lock << "'";

  // The setting names the same JOBDIR as --jobdir.
  auto second_dir = dir_ / "second";
  fs::create_directories(second_dir);
  auto second = run_program(ORBWEAVER_BINARY,
                            {"crawl", "catalog", "-a", "url=" + server_.url("/"), "-O", feed_.string(), "-s",
                             "STORE_URI=sqlite:" + store_.string(), "-s", "JOBDIR=" + job_.string()},
                            second_dir);
  EXPECT_EQ(second.status, 1) << second.err;
  EXPECT_NE(second.err.find("in use"), std::string::npos) << second.err;
  EXPECT_TRUE(still_running(first)) << "the first crawl ended while the second tried its JOBDIR";

  auto end = finish(first, 120s);
  EXPECT_EQ(end.status, 0) << end.log;
  EXPECT_NE(end.log.find("Spider closed (finished)"), std::string::npos) << end.log;
  expect_each_item_once(end);
}

// A JOBDIR whose format version (PRAGMA user_version) is not this build's is refused before any
// request, and left as it was.
TEST_F(JobdirFaults, JobdirOfAnotherVersionIsRefusedBeforeAnyRequest) {
  serve(300, 20ms);
  ASSERT_NO_FATAL_FAILURE(kill_mid_crawl(job_, 700ms));
  {
    sqlite_file job(job_ / "job.sqlite", SQLITE_OPEN_READWRITE);
    job.execute("PRAGMA user_version = 99");
  }
  auto fetched = site_->fetches();
  auto end = finish(launch());
  EXPECT_EQ(end.status, 1) << end.log;
  EXPECT_NE(end.log.find("incompatible"), std::string::npos) << end.log;
  EXPECT_EQ(site_->fetches(), fetched) << "requests were made:\n" << end.log;
  sqlite_file job(job_ / "job.sqlite");
  EXPECT_EQ(job.integers("PRAGMA user_version"), std::vector<std::int64_t>{99});
}

}  // namespace
