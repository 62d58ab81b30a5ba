#pragma once
// The frontier: pending requests in one queue per download slot (Mercator's back queues, BUbiNG's
// workbench), handed out only when their slot can start a transfer now. Within a slot the order
// is by priority (FIFO or LIFO within one); across slots the slot whose next allowed start is
// earliest goes first, then the one with the higher priority at its head. A request handed out is
// leased: it stays counted until done(ticket), the seam for a JOBDIR that must not lose it.
#include "download/slot.hpp"
#include "engine/request_queue.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace orbweaver {

struct leased_request {
  request req;
  std::string slot;  // the download slot that reserved a transfer for it
  std::uint64_t ticket;
};

class frontier {
 public:
  frontier(download::slot_gate& gate, request_queue_factory make_queue);

  void push(request r, const std::string& slot);
  // The next request whose slot can start a transfer at `now`; its slot's transfer is reserved.
  std::optional<leased_request> pop_ready(download::clock::time_point now);
  // The leased request's outcome has been handed on.
  void done(std::uint64_t ticket);
  // When pop_ready may find a request next: time_point::max() when nothing is pending or every
  // slot with pending requests waits for a transfer to start or end (slot_changed says when).
  download::clock::time_point next_ready_time() const;
  // The slot may have become ready earlier than the frontier last saw it (a transfer started or
  // ended, a reservation was given back). Later readiness is found out by pop_ready itself.
  void slot_changed(const std::string& slot);

  std::size_t size() const { return size_; }  // pending, not handed out
  std::size_t leased() const { return leased_; }
  // Pending requests by slot, for the dashboard.
  std::vector<std::pair<std::string, std::size_t>> pending_by_slot() const {
    std::vector<std::pair<std::string, std::size_t>> counts;
    for (const auto& [key, q] : slots_) counts.emplace_back(key, q.requests->size());
    return counts;
  }

 private:
  struct slot_queue;
  struct entry {
    download::clock::time_point ready;
    int priority;
    const std::string* slot;
    bool operator<(const entry& o) const {
      if (ready != o.ready) return ready < o.ready;
      if (priority != o.priority) return priority > o.priority;
      return *slot < *o.slot;
    }
  };
  struct slot_queue {
    std::unique_ptr<request_queue> requests;
    std::optional<std::set<entry>::iterator> indexed;
  };

  void reindex(const std::string& key, slot_queue& q, download::clock::time_point ready);

  download::slot_gate& gate_;
  request_queue_factory make_queue_;
  std::unordered_map<std::string, slot_queue> slots_;  // only slots with pending requests
  std::set<entry> by_readiness_;                      // one entry per slot in slots_
  std::size_t size_ = 0;
  std::size_t leased_ = 0;
  std::uint64_t next_ticket_ = 1;
};

}  // namespace orbweaver
