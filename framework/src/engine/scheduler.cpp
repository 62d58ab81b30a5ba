#include "engine/scheduler.hpp"

#include <orbweaver/log.hpp>

namespace orbweaver {

scheduler::scheduler(std::unique_ptr<frontier> pending, std::unique_ptr<dupefilter> filter,
                     stats_collector& stats, bool log_every_duplicate)
    : pending_(std::move(pending)), filter_(std::move(filter)), stats_(stats), log_every_duplicate_(log_every_duplicate) {}

bool scheduler::enqueue(request r, const std::string& slot) {
  if (!r.dont_filter && filter_->seen_before(r)) {
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
    return false;
  }
  pending_->push(std::move(r), slot);
  stats_.inc("scheduler/enqueued");
  return true;
}

std::optional<leased_request> scheduler::next(download::clock::time_point now) {
  auto r = pending_->pop_ready(now);
  if (r) stats_.inc("scheduler/dequeued");
  return r;
}

}  // namespace orbweaver
