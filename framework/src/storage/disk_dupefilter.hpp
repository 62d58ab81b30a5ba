#pragma once
// The duplicate filter of a crawl whose seen set outgrows memory: every fingerprint (the whole
// 20-byte SHA-1, so the filter is as exact as the memory one) in an SQLite table, and in memory
// only what decides without the disk:
//   - a scalable Bloom filter (~2 bytes per fingerprint: ~20 MB at 10 million): a miss means
//     new, the common case, with no disk read;
//   - a direct-mapped cache of recently seen fingerprints (2.6 MB), which answers the duplicates
//     a crawl meets again and again (navigation links) without the disk;
//   - the fingerprints queued for the writer thread and not yet committed.
// A Bloom hit that neither cache nor queue confirms is looked up on disk (an indexed read, from
// the page cache as a rule: ~10 us), so no new request is ever dropped. Inserts go to the writer
// thread in batches of 4,096, one transaction each; the reactor never waits on a commit unless
// the writer falls 16 batches behind. One thread calls it (the reactor); a failed write is a
// storage_error from the next call.
#include "engine/dupefilter.hpp"
#include "storage/bloom_filter.hpp"
#include "storage/scratch_directory.hpp"
#include "storage/write_queue.hpp"

#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <unordered_set>

namespace orbweaver::storage {

class disk_dupefilter final : public dupefilter {
 public:
  // Opens or creates `dir`/seen.sqlite; the fingerprints already there count as seen (the Bloom
  // filter is rebuilt from them: a resumed JOBDIR).
  explicit disk_dupefilter(const std::filesystem::path& dir, durability d = durability::process_crash);
  // In a scratch_directory that is removed when the filter is destroyed (a crawl without JOBDIR).
  static std::unique_ptr<disk_dupefilter> in_temporary_directory();
  // The `seen` table of `file` (a JOBDIR's), written by `writer`'s jobs that someone else submits:
  // the fingerprints must be committed in the same transaction as the requests they admitted.
  // take_unwritten() gives them, written() says which job carries them.
  disk_dupefilter(const std::filesystem::path& file, std::shared_ptr<write_queue> writer);
  std::shared_ptr<const std::vector<fingerprint>> take_unwritten();
  void written(std::uint64_t ticket, std::shared_ptr<const std::vector<fingerprint>> batch);
  ~disk_dupefilter() override;

  bool seen_before(const request& r) override;
  std::size_t size() const override { return size_; }
  // True when `f` was recorded before; records it otherwise. seen_before() is this on the
  // request's fingerprint.
  bool seen_before(const fingerprint& f);
  // Blocks until every fingerprint recorded so far is committed.
  void flush();

  std::size_t disk_reads() const { return disk_reads_; }
  std::size_t memory_bytes() const;

 private:
  explicit disk_dupefilter(std::unique_ptr<scratch_directory> scratch);
  void open(const std::filesystem::path& file, durability d);
  bool on_disk(const fingerprint& f);
  void remember(const fingerprint& f);
  void send_batch();
  void forget_committed();

  std::unique_ptr<scratch_directory> scratch_;  // destroyed last: the files live in it
  std::shared_ptr<write_queue> writer_;
  bool writes_itself_ = true;  // false: a JOBDIR's checkpoints write the batches
  std::unique_ptr<database> reader_;
  std::optional<statement> find_;
  bloom_filter bloom_;
  std::vector<fingerprint> recent_;  // direct-mapped by the fingerprint's bytes 16-19
  std::vector<fingerprint> batch_;
  // Batches handed to the writer (shared with its job, read by both), oldest first, by ticket.
  std::deque<std::pair<std::uint64_t, std::shared_ptr<const std::vector<fingerprint>>>> in_flight_;
  std::unordered_set<fingerprint, fingerprint_hash> uncommitted_;
  std::size_t size_ = 0;
  std::size_t disk_reads_ = 0;
};

}  // namespace orbweaver::storage
