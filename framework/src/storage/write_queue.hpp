#pragma once
// The writer thread of a storage file: jobs queued by the reactor run in order on one SQLite
// connection of their own, off the reactor; the jobs waiting together commit in one transaction
// (group commit), so a burst of small writes costs one commit. The queue is bounded: submit()
// blocks while it is full, which is the back-pressure of a disk slower than the crawl.
#include "storage/sqlite.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace orbweaver::storage {

class write_queue {
 public:
  using job = std::function<void(database&)>;

  // `setup` runs first on the writer's connection (schema), before the constructor returns.
  write_queue(const std::filesystem::path& file, durability d, const job& setup, std::size_t max_waiting = 16);
  // Commits what is queued, then stops the thread.
  ~write_queue();
  write_queue(const write_queue&) = delete;
  write_queue& operator=(const write_queue&) = delete;

  // Queues a job; the returned ticket is committed once committed() reaches it. Throws the
  // writer's storage_error once a write has failed (nothing after it is written).
  std::uint64_t submit(job j);
  std::uint64_t committed() const;
  // Blocks until the job of `ticket` (every job, for flush) is committed.
  void wait(std::uint64_t ticket);
  void flush();

 private:
  void run();
  void throw_if_failed() const;

  std::unique_ptr<database> db_;
  std::size_t max_waiting_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<job> waiting_;
  std::uint64_t submitted_ = 0;
  std::uint64_t committed_ = 0;
  std::exception_ptr failure_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace orbweaver::storage
