#pragma once
// Bounded memory for the frontier: slot queues that keep a window of requests in memory and
// spill the rest to one request_store shared by every slot (SCHEDULER_MEMORY_QUEUE_SIZE).
//
// Order is exactly memory_priority_queue's: priority first, then FIFO or LIFO within one. The
// store is FIFO per key; each priority of a slot keeps its disk part as segments, oldest first,
// each under its own key ("<priority>\x1f<segment id>\x1f<slot>"; ids of emptied segments are
// used again):
//   - FIFO: memory holds the oldest requests (`near`, popped first) and the newest (`far`), the
//     segments what lies between. A push goes to `far` once something is on disk. A spill
//     appends the front of `far` to the last segment, then writes the back of `near` as a new
//     first segment; a reload takes the front of the first segment into `near`.
//   - LIFO: memory holds the top of the stack; a spill writes its bottom as new segments of at
//     most `batch` on top of the others, and a reload takes the last segment back whole, so the
//     stack comes back in order.
// A request whose callback or errback has no registered name cannot be written (request_codec):
// it stays in memory (`pinned`), ordered against the others by a sequence number per priority
// that the records carry.
//
// The budget is global: a slot keeps at most max(slot_minimum, budget / slots) requests in
// memory (checked as it grows), and when all slots together go over the budget by a slack the
// ones above that share are cut down. A slot with few requests (up to slot_minimum) never
// touches the disk. The store is created on the first spill (in `dir`, or in a scratch
// directory removed with the pool), so a crawl that fits in memory has no file at all.
// Reads happen on the caller's thread (the reactor), `batch` records at a time; writes go to the
// store's writer thread. A storage failure is a storage_error thrown from push or pop with the
// queue still whole in memory (see scheduler.hpp for what the crawl does with it).
#include "engine/request_queue.hpp"
#include "storage/request_store.hpp"
#include "storage/scratch_directory.hpp"

#include <orbweaver/stats.hpp>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace orbweaver {

class spider;

struct spill_limits {
  std::size_t memory_requests = 50000;  // SCHEDULER_MEMORY_QUEUE_SIZE: over all slots
  std::size_t slot_minimum = 8;         // what a slot may keep in memory whatever the budget
  std::size_t batch = 256;              // the most records one take() reads back
};

class spilling_queue;
class settings;

// The frontier's slot queues as the settings ask: SCHEDULER_MEMORY_QUEUE's order, spilling over
// SCHEDULER_MEMORY_QUEUE_SIZE requests in memory (0: all in memory, never a file), in `spill_dir`
// (a JOBDIR's) or a scratch directory.
request_queue_factory slot_queue_factory(const settings& config, const spider& s, stats_collector& stats,
                                         std::optional<std::filesystem::path> spill_dir = std::nullopt);

class spill_pool {
 public:
  // `dir`: where the store lives (a JOBDIR); a scratch directory when not given.
  spill_pool(spill_limits limits, queue_order order, const spider& s, stats_collector& stats,
             std::optional<std::filesystem::path> dir = std::nullopt);
  ~spill_pool();
  spill_pool(const spill_pool&) = delete;
  spill_pool& operator=(const spill_pool&) = delete;

  // Makes the frontier's slot queues; each keeps the pool alive.
  static request_queue_factory factory(std::shared_ptr<spill_pool> pool);

  std::size_t in_memory() const { return resident_ + pinned_; }
  std::size_t on_disk() const { return store_ ? store_->size() : 0; }
  // The store's directory; empty until something was spilled.
  std::filesystem::path directory() const { return store_ ? directory_ : std::filesystem::path(); }
  std::size_t slots() const { return queues_.size(); }

 private:
  friend class spilling_queue;
  storage::request_store& store();
  // What one slot may keep in memory now.
  std::size_t share() const;
  void grew(spilling_queue& q);
  void add(spilling_queue* q);
  void remove(spilling_queue* q);
  void unserializable(const request& r);
  void warn_unserializable();

  spill_limits limits_;
  queue_order order_;
  const spider& spider_;
  stats_collector& stats_;
  std::optional<std::filesystem::path> dir_;
  std::filesystem::path directory_;
  std::unique_ptr<storage::scratch_directory> scratch_;  // before the store: destroyed after it
  std::unique_ptr<storage::request_store> store_;
  std::vector<spilling_queue*> queues_;
  std::size_t resident_ = 0;  // requests in memory that may be spilled, over all queues
  std::size_t pinned_ = 0;    // requests that cannot be written
  std::size_t rebalance_at_;
  std::optional<std::string> first_unserializable_;  // for the one warning
  bool warned_ = false;
};

class spilling_queue final : public request_queue {
 public:
  spilling_queue(std::shared_ptr<spill_pool> pool, std::string slot);
  ~spilling_queue() override;

  void push(request r) override;
  std::optional<request> pop() override;
  int top_priority() const override { return levels_.begin()->first; }
  std::size_t size() const override { return size_; }
  std::size_t in_memory() const { return resident_ + pinned_; }

 private:
  friend class spill_pool;
  struct entry {
    std::uint64_t seq;
    request req;
  };
  // Requests on disk under one key of the store, read back from its front.
  struct segment {
    std::size_t id;
    std::size_t count;
  };
  struct level {
    std::deque<entry> near;  // FIFO: the oldest; LIFO: the top of the stack (newest at the back)
    std::deque<entry> far;   // FIFO: newer than what is on disk
    std::deque<segment> segments;  // on disk, oldest first
    std::size_t on_disk = 0;
    std::vector<std::size_t> free_ids;  // of segments read back whole: their keys are empty
    std::size_t next_id = 0;
    std::deque<entry> pinned;  // cannot be written; by sequence
    std::uint64_t next_seq = 0;
    std::size_t new_id();
  };

  // Moves requests to disk, lowest priority first, until at most `target` may-spill ones stay.
  void spill(std::size_t target);
  void spill_level(int priority, level& l, std::size_t count);
  void reload(int priority, level& l);
  std::string key(int priority, std::size_t id) const;
  // Appends from[first, first + count) to the key of segment `id` and drops them from memory.
  void write(int priority, level& l, std::size_t id, std::deque<entry>& from, std::size_t first, std::size_t count);

  std::shared_ptr<spill_pool> pool_;
  std::string slot_;
  std::map<int, level, std::greater<>> levels_;
  std::size_t size_ = 0;
  std::size_t resident_ = 0;
  std::size_t pinned_ = 0;
  std::size_t index_ = 0;  // in pool_->queues_
};

}  // namespace orbweaver
