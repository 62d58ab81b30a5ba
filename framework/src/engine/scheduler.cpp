#include "engine/scheduler.hpp"

#include <orbweaver/log.hpp>

namespace orbweaver {

scheduler::scheduler(std::unique_ptr<request_queue> queue, std::unique_ptr<dupefilter> filter,
                     stats_collector& stats)
    : queue_(std::move(queue)), filter_(std::move(filter)), stats_(stats) {}

bool scheduler::enqueue(request r) {
  if (!r.dont_filter && filter_->seen_before(r)) {
    stats_.inc("dupefilter/filtered");
    return false;
  }
  queue_->push(std::move(r));
  stats_.inc("scheduler/enqueued");
  return true;
}

std::optional<request> scheduler::next() {
  auto r = queue_->pop();
  if (r) stats_.inc("scheduler/dequeued");
  return r;
}

}  // namespace orbweaver
