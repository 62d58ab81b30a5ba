#pragma once
// The engine's side of a JOBDIR (storage/jobdir.hpp): what changed since the last checkpoint,
// committed together every JOBDIR_CHECKPOINT_INTERVAL seconds.
//
// A request the duplicate filter admits gets an id and is written at the next checkpoint; the
// frontier hands it out as a lease that lasts as long as the process: it leaves the JOBDIR only
// in the checkpoint that also holds what its callback yielded (the new requests, their
// fingerprints, and the sinks' positions after its items). The engine takes a checkpoint only
// when no item is between pipelines, so every item a sink holds at that moment belongs to a
// request whose outputs the checkpoint commits. After a crash, the requests still in the JOBDIR
// (those in flight included) are crawled again, and the sinks are cut back to the last
// checkpoint: each item reaches them once.
//
// A callback that yields more than output::batch_size things hands them on in batches while it
// runs; each batch passed on is recorded, and a request done again after a crash skips the
// batches already handed on (callbacks must yield in the same order for the same page).
#include "engine/checkpointed_sink.hpp"
#include "storage/disk_dupefilter.hpp"
#include "storage/jobdir.hpp"

#include <orbweaver/request.hpp>
#include <orbweaver/stats.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace orbweaver {

class spider;

class job_journal {
 public:
  // Opens the JOBDIR (throws storage_error with a clear message) and gives the stats and the
  // spider's state of its last checkpoint back.
  job_journal(const std::filesystem::path& dir, spider& s, stats_collector& stats);

  storage::jobdir& dir() { return dir_; }
  // The duplicate filter over the JOBDIR's fingerprints; its writes go into the checkpoints.
  std::unique_ptr<dupefilter> make_dupefilter();
  // Cuts the sink back to the last checkpoint (or lets it start afresh) and includes it in the
  // checkpoints from now on.
  void add_sink(std::string name, checkpointed_sink& sink);

  // The requests waiting in the JOBDIR when it was opened, a batch at a time (nullopt at the end),
  // with their frontier_id set; ones that cannot be read any more (a callback renamed) are
  // logged and counted (jobdir/unreadable_requests) and stay in the JOBDIR.
  std::optional<std::vector<request>> resume_batch();

  // A request the duplicate filter let in: it gets its frontier_id and goes into the next
  // checkpoint. One that cannot be written (a callback without a registered name) stays in
  // memory only (stat jobdir/unserializable, one warning).
  void admitted(request& r);
  // The callback of `origin` handed on its `batches`th batch of outputs.
  void handed_batch(const request& origin, std::size_t batches);
  // Batches of its outputs `r` handed on before a crash: a callback run again skips them.
  std::size_t batches_handed(const request& r) const;
  // Every output of `r` has been handed on.
  void done(const request& r);
  void start_requests_issued() { start_requests_issued_ = true; }

  // Makes the sinks durable and queues a checkpoint of everything since the previous one.
  // Throws storage::storage_error (a failed sink is one too).
  void checkpoint();
  // Blocks until every checkpoint is committed.
  void flush() { dir_.flush(); }

 private:
  storage::jobdir dir_;
  spider& spider_;
  stats_collector& stats_;
  storage::disk_dupefilter* filter_ = nullptr;
  std::vector<std::pair<std::string, checkpointed_sink*>> sinks_;
  storage::checkpoint_delta delta_;
  std::unordered_map<std::uint64_t, std::size_t> progress_;  // since the last checkpoint
  std::unordered_map<std::uint64_t, std::size_t> handed_before_;  // from the JOBDIR, by id
  std::uint64_t resume_cursor_ = 0;
  bool start_requests_issued_;
  bool warned_unserializable_ = false;
};

}  // namespace orbweaver
