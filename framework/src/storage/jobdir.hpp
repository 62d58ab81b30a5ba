#pragma once
// A crawl's JOBDIR on disk: one SQLite file (job.sqlite, WAL, synchronous=NORMAL) that holds
//   requests(id, batches_done, record)  every request admitted and not yet done, leased ones too
//   seen(fp)                            the duplicate filter's fingerprints (disk_dupefilter)
//   job(key, value)                     spider name, stats, spider state, sink positions, ...
// and a lock file that a live crawl holds (flock), so that two crawls never share a JOBDIR.
// A format version in PRAGMA user_version refuses a JOBDIR of another version.
//
// Nothing is written between checkpoints: commit() writes one checkpoint (what the engine
// gathered since the previous one, see engine/job_journal.hpp) as one transaction on the writer
// thread, so the file always holds the state of the last committed checkpoint; a kill during a
// commit leaves a torn WAL frame that SQLite discards at the next open.
#include "engine/fingerprint.hpp"
#include "storage/write_queue.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::storage {

// What one checkpoint commits.
struct checkpoint_delta {
  std::vector<std::pair<std::uint64_t, std::string>> added;  // admitted requests: id, request_codec bytes
  std::vector<std::pair<std::uint64_t, std::uint64_t>> progress;  // id, batches of its outputs handed on
  std::vector<std::uint64_t> done;  // requests whose outputs are all committed (this checkpoint included)
  std::shared_ptr<const std::vector<fingerprint>> fingerprints;
  boost::json::object stats;
  boost::json::object spider_state;
  boost::json::object sinks;  // where each durable sink ends (checkpointed_sink)
  bool start_requests_issued = false;
};

// A request waiting in the JOBDIR.
struct pending_request {
  std::uint64_t id;
  std::uint64_t batches_done;  // outputs already handed on before a crash (see engine/job_journal.hpp)
  std::string record;
};

class jobdir {
 public:
  static constexpr int format_version = 1;

  // Creates or opens `dir` for `spider_name`. Throws storage_error saying what is wrong: the
  // directory cannot be created or written, another live crawl holds it, it was written by an
  // incompatible version or for another spider.
  jobdir(const std::filesystem::path& dir, std::string_view spider_name);
  ~jobdir();  // commits what is queued, then releases the lock
  jobdir(const jobdir&) = delete;
  jobdir& operator=(const jobdir&) = delete;

  const std::filesystem::path& path() const { return dir_; }
  std::filesystem::path database_file() const { return dir_ / "job.sqlite"; }
  // The frontier's spill (not part of the state: emptied at every start).
  std::filesystem::path spill_directory() const { return dir_ / "spill"; }

  // What the last checkpoint of an earlier run recorded: false and empty objects for a new JOBDIR.
  bool resumed() const { return checkpoints_ > 0; }
  std::uint64_t checkpoints() const { return checkpoints_; }
  bool start_requests_issued() const { return start_requests_issued_; }
  const boost::json::object& stats() const { return stats_; }
  const boost::json::object& spider_state() const { return spider_state_; }
  const boost::json::object& sinks() const { return sinks_; }
  std::uint64_t pending_at_open() const { return pending_at_open_; }

  // Up to `n` waiting requests with ids above `after`, in id order (the order they were admitted).
  std::vector<pending_request> read_pending(std::uint64_t after, std::size_t n);
  // An id above every one used so far.
  std::uint64_t new_id() { return next_id_++; }

  // The writer of job.sqlite, shared with the duplicate filter that keeps `seen` there.
  std::shared_ptr<write_queue> writer() const { return writer_; }
  // Queues one checkpoint and returns its writer ticket (blocking only when the disk is far
  // behind). Throws the writer's storage_error once a write has failed.
  std::uint64_t commit(checkpoint_delta delta);
  // Blocks until every checkpoint queued is committed.
  void flush() { writer_->flush(); }

 private:
  void lock();
  void check_format(std::string_view spider_name);

  std::filesystem::path dir_;
  int lock_fd_ = -1;
  std::unique_ptr<database> reader_;
  std::shared_ptr<write_queue> writer_;
  std::uint64_t checkpoints_ = 0;
  bool start_requests_issued_ = false;
  boost::json::object stats_;
  boost::json::object spider_state_;
  boost::json::object sinks_;
  std::uint64_t pending_at_open_ = 0;
  std::uint64_t next_id_ = 1;
};

}  // namespace orbweaver::storage
