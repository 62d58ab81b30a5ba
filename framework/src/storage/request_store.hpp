#pragma once
// The frontier's disk: one FIFO of records (serialized requests, see request_codec.hpp) per key
// (a download slot: a host or an IP), in `dir`/requests.sqlite. The frontier keeps a window of
// each slot's requests in memory, append()s the overflow here and take()s it back, oldest first,
// when the window runs low.
//
//   request_store store(dir);
//   store.append("example.com", std::move(records));   // returns at once: written off the reactor
//   auto next = store.take("example.com", 100);        // up to 100 records, in append order
//   store.size("example.com"); store.size(); store.keys();
//
// Writes (appends and the removal of taken records) go to a writer thread with a bounded queue
// (write_queue.hpp): one transaction per group of waiting writes, and append() blocks only when
// the disk is 64 writes behind. take() reads on the caller's thread; it waits for that key's
// appends still queued, so order is kept across the queue.
//
// Records carry a CRC-32; a record whose bytes no longer match is a storage_error naming it.
// A torn last write (a kill during a commit) is discarded when the file is opened again:
// SQLite's WAL checksums its frames and drops an incomplete last transaction, so a reopened
// store holds exactly the appends and takes that were committed.
//
// One thread calls it (the reactor); a storage failure (disk full, a damaged file) is a
// storage_error from the next call.
//
// Resuming (JOBDIR): opening an existing directory gives back every key with what was appended
// and not taken. Records taken but whose removal was not yet committed come back as well: at
// most once too often, never lost — the lease that a crash-safe frontier needs (see
// docs/architecture.md).
#include "storage/write_queue.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace orbweaver::storage {

class request_store {
 public:
  explicit request_store(const std::filesystem::path& dir, durability d = durability::process_crash);
  ~request_store();  // commits what is queued

  // Appends to the end of the key's FIFO.
  void append(std::string_view key, std::vector<std::string> records);
  // Removes and returns up to n records from the front of the key's FIFO, oldest first.
  std::vector<std::string> take(std::string_view key, std::size_t n);
  std::size_t size(std::string_view key) const;
  std::size_t size() const { return total_; }
  // The keys that hold records.
  std::vector<std::string> keys() const;
  // Blocks until every write so far is committed.
  void flush();

 private:
  struct fifo {
    std::int64_t id;
    std::int64_t head = 0;  // sequence number of the oldest record not taken
    std::int64_t tail = 0;  // sequence number the next append gets
    std::uint64_t last_write = 0;  // ticket of the last queued append
  };
  fifo& fifo_for(std::string_view key);

  std::unique_ptr<write_queue> writer_;
  std::unique_ptr<database> reader_;
  std::optional<statement> read_;
  std::unordered_map<std::string, fifo> fifos_;
  std::int64_t next_id_ = 1;
  std::size_t total_ = 0;
};

}  // namespace orbweaver::storage
