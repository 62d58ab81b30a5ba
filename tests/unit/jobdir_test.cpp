// The JOBDIR's file without a crawl: checkpoints read back in a new process's view, the lock
// against a second user, and the JOBDIRs it refuses with a clear message.
#include "storage/jobdir.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <thread>

#include <orbweaver/spider.hpp>

#include <unistd.h>

using namespace orbweaver;
using namespace orbweaver::storage;
namespace fs = std::filesystem;

namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const storage_error& e) {
    return e.what();
  }
  return "no error";
}

void set_user_version(const fs::path& file, int version) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, fmt::format("PRAGMA user_version = {}", version).c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

class Jobdir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-jobdir-unit-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    tmp_ = pattern;
    dir_ = tmp_ / "job";
  }
  void TearDown() override { fs::remove_all(tmp_); }
  fs::path tmp_;
  fs::path dir_;
};

TEST_F(Jobdir, ANewJobdirIsNotAResume) {
  jobdir job(dir_, "books");
  EXPECT_FALSE(job.resumed());
  EXPECT_FALSE(job.start_requests_issued());
  EXPECT_EQ(job.pending_at_open(), 0u);
  EXPECT_TRUE(job.read_pending(0, 10).empty());
  EXPECT_TRUE(fs::exists(dir_ / "job.sqlite"));
  EXPECT_TRUE(fs::exists(dir_ / "lock"));
}

TEST_F(Jobdir, CheckpointsAreWhatTheNextRunFinds) {
  {
    jobdir job(dir_, "books");
    checkpoint_delta first;
    for (int i = 0; i < 5; ++i) first.added.emplace_back(job.new_id(), "record " + std::to_string(i));
    first.start_requests_issued = true;
    job.commit(std::move(first));
    checkpoint_delta second;
    second.done = {1, 3};
    auto added_and_done = job.new_id();
    second.added.emplace_back(added_and_done, "never written");
    second.done.push_back(added_and_done);
    second.progress.emplace_back(2, 3);
    second.stats["item_scraped_count"] = 7;
    second.spider_state["pages"] = 4;
    second.sinks["feed_export"] = json::object{{"items.jsonl", 120}};
    second.fingerprints = std::make_shared<std::vector<fingerprint>>(std::vector<fingerprint>{fingerprint{1}});
    second.start_requests_issued = true;
    job.commit(std::move(second));
    job.flush();
  }
  jobdir job(dir_, "books");
  EXPECT_TRUE(job.resumed());
  EXPECT_EQ(job.checkpoints(), 2u);
  EXPECT_TRUE(job.start_requests_issued());
  EXPECT_EQ(job.pending_at_open(), 3u);
  auto rows = job.read_pending(0, 10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].id, 2u);
  EXPECT_EQ(rows[0].batches_done, 3u);
  EXPECT_EQ(rows[0].record, "record 1");
  EXPECT_EQ(rows[1].id, 4u);
  EXPECT_EQ(rows[2].id, 5u);
  EXPECT_EQ(job.read_pending(4, 10).size(), 1u);
  EXPECT_EQ(job.stats().at("item_scraped_count"), 7);
  EXPECT_EQ(job.spider_state().at("pages"), 4);
  EXPECT_EQ(job.sinks().at("feed_export").at("items.jsonl"), 120);
  EXPECT_GT(job.new_id(), 6u);  // ids are never given twice, even of requests never written
}

TEST_F(Jobdir, ASecondCrawlIsRefusedWhileTheFirstHoldsIt) {
  auto held = std::make_unique<jobdir>(dir_, "books");
  auto message = message_of([&] { jobdir second(dir_, "books"); });
  EXPECT_NE(message.find("is in use by another crawl"), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(::getpid())), std::string::npos) << message;
  held.reset();
  EXPECT_NO_THROW(jobdir again(dir_, "books"));
}

TEST_F(Jobdir, AnIncompatibleVersionIsRefused) {
  { jobdir job(dir_, "books"); }
  set_user_version(dir_ / "job.sqlite", 99);
  auto message = message_of([&] { jobdir job(dir_, "books"); });
  EXPECT_NE(message.find("incompatible version of orbweaver (job format 99; this version reads format 1)"),
            std::string::npos)
      << message;
}

TEST_F(Jobdir, AnotherSpidersJobdirIsRefused) {
  { jobdir job(dir_, "books"); }
  auto message = message_of([&] { jobdir job(dir_, "quotes"); });
  EXPECT_NE(message.find("belongs to a crawl of spider 'books', not 'quotes'"), std::string::npos) << message;
}

TEST_F(Jobdir, AFileThatIsNotAJobIsRefused) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "job.sqlite") << "these are not the bytes of an SQLite database, not at all, no";
  auto message = message_of([&] { jobdir job(dir_, "books"); });
  EXPECT_NE(message.find("job.sqlite"), std::string::npos) << message;
}

TEST_F(Jobdir, ADirectoryThatCannotBeCreatedIsNamed) {
  std::ofstream(tmp_ / "a-file") << "x";
  auto message = message_of([&] { jobdir job(tmp_ / "a-file" / "job", "books"); });
  EXPECT_NE(message.find("cannot create JOBDIR '" + (tmp_ / "a-file" / "job").string() + "'"), std::string::npos)
      << message;
}

TEST_F(Jobdir, TheSpillFolderIsEmptiedAtEveryStart) {
  { jobdir job(dir_, "books"); }
  fs::create_directories(dir_ / "spill");
  std::ofstream(dir_ / "spill" / "requests.sqlite") << "left by a killed run";
  jobdir job(dir_, "books");
  EXPECT_FALSE(fs::exists(dir_ / "spill"));
}

}  // namespace

namespace {

// Callbacks on several pool threads update the state at once; update() loses none of them.
TEST(SpiderState, UpdatesFromManyThreadsAreAllKept) {
  spider_state state;
  EXPECT_TRUE(state.get("pages").is_null());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) state.update("pages", [](json::value& v) { v = v.is_int64() ? v.as_int64() + 1 : 1; });
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(state.get("pages"), 4000);
  state.set("last", "x");
  auto saved = state.snapshot();
  spider_state resumed;
  resumed.replace(saved);
  EXPECT_EQ(resumed.get("pages"), 4000);
  EXPECT_EQ(resumed.get("last"), "x");
}

}  // namespace
