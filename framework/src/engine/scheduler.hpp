#pragma once
// The scheduler: drops duplicates, keeps the rest in the frontier by download slot and hands out
// a request only when its slot can start a transfer. This is the contract another backend (Redis)
// implements: enqueue with the slot key, next(now) with a lease, done(ticket), and when to ask again.
#include "engine/dupefilter.hpp"
#include "engine/frontier.hpp"

#include <orbweaver/stats.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace orbweaver {

class scheduler {
 public:
  // Filtered duplicates are logged at DEBUG as Scrapy logs them: the first one only, or every one
  // with `log_every_duplicate` (DUPEFILTER_DEBUG).
  scheduler(std::unique_ptr<frontier> pending, std::unique_ptr<dupefilter> filter, stats_collector& stats,
            bool log_every_duplicate = false);

  // A failure of the disk (the duplicate filter's or the frontier's: disk full, a damaged file)
  // is logged at ERROR and given to `failed` once; from then on the scheduler takes no request
  // and hands none out, so that the crawl can close with what is in flight. The frontier is left
  // as it was at the failure.
  void on_storage_failure(std::function<void(const std::string&)> failed) { on_failure_ = std::move(failed); }
  bool storage_failed() const { return storage_failed_; }

  // False when the request was dropped as a duplicate (unless dont_filter), or after a storage
  // failure. `slot` is the key of the download slot the request will use (downloader::slot_key).
  // enqueue is admit then push; the engine admits first, as it may need a DNS lookup for the slot.
  bool enqueue(request r, const std::string& slot);
  // The duplicate filter's verdict, recorded: false for a duplicate (counted and logged).
  bool admit(const request& r);
  // Into the frontier: a request admit() let in, or one resumed from a JOBDIR.
  void push(request r, const std::string& slot);
  // A request whose slot can start a transfer at `now`, leased until done(ticket).
  std::optional<leased_request> next(download::clock::time_point now);
  void done(std::uint64_t ticket) { pending_->done(ticket); }
  // When next() may return a request; time_point::max() when only slot_changed can tell.
  download::clock::time_point next_ready_time() const {
    return storage_failed_ ? download::clock::time_point::max() : pending_->next_ready_time();
  }
  void slot_changed(const std::string& slot) {
    if (!storage_failed_) pending_->slot_changed(slot);
  }
  bool has_pending() const { return pending_->size() > 0; }
  std::size_t pending() const { return pending_->size(); }
  std::vector<std::pair<std::string, std::size_t>> pending_by_slot() const { return pending_->pending_by_slot(); }

 private:
  std::unique_ptr<frontier> pending_;
  std::unique_ptr<dupefilter> filter_;
  stats_collector& stats_;
  bool log_every_duplicate_;
  bool first_duplicate_logged_ = false;
  void note_duplicate(const request& r);
  void fail(const std::exception& e);

  std::function<void(const std::string&)> on_failure_;
  bool storage_failed_ = false;
};

}  // namespace orbweaver
