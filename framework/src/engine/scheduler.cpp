#include "engine/scheduler.hpp"

#include "storage/sqlite.hpp"

#include <orbweaver/log.hpp>

namespace orbweaver {

scheduler::scheduler(std::unique_ptr<frontier> pending, std::unique_ptr<dupefilter> filter,
                     stats_collector& stats, bool log_every_duplicate)
    : pending_(std::move(pending)), filter_(std::move(filter)), stats_(stats), log_every_duplicate_(log_every_duplicate) {}

void scheduler::note_duplicate(const request& r) {
  stats_.inc("dupefilter/filtered");
  if (log_every_duplicate_) {
    log::debug("dupefilter", "Filtered duplicate request: <{} {}> (referer: {})", r.method, r.url,
               r.headers.get("Referer").value_or("None"));
  } else if (!first_duplicate_logged_) {
    first_duplicate_logged_ = true;
    log::debug("dupefilter",
               "Filtered duplicate request: <{} {}> - no more duplicates will be shown (see DUPEFILTER_DEBUG to "
               "show all duplicates)",
               r.method, r.url);
  }
}

bool scheduler::enqueue(request r, const std::string& slot) {
  if (!admit(r)) return false;
  push(std::move(r), slot);
  return !storage_failed_;
}

bool scheduler::admit(const request& r) {
  if (storage_failed_) return false;
  try {
    if (!r.dont_filter && filter_->seen_before(r)) {
      note_duplicate(r);
      return false;
    }
  } catch (const storage::storage_error& e) {
    fail(e);
    return false;
  }
  return true;
}

void scheduler::push(request r, const std::string& slot) {
  if (storage_failed_) return;
  try {
    pending_->push(std::move(r), slot);
  } catch (const storage::storage_error& e) {
    fail(e);
    return;
  }
  stats_.inc("scheduler/enqueued");
}

std::optional<leased_request> scheduler::next(download::clock::time_point now) {
  if (storage_failed_) return std::nullopt;
  std::optional<leased_request> r;
  try {
    r = pending_->pop_ready(now);
  } catch (const storage::storage_error& e) {
    fail(e);
    return std::nullopt;
  }
  if (r) stats_.inc("scheduler/dequeued");
  return r;
}

void scheduler::fail(const std::exception& e) {
  if (storage_failed_) return;
  storage_failed_ = true;
  stats_.inc("scheduler/storage_error");
  log::error("scheduler", "The crawl's storage failed, closing the crawl: {}", e.what());
  if (on_failure_) on_failure_(e.what());
}

}  // namespace orbweaver
