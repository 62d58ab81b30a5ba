#pragma once
// The scheduler: enqueue / next / has_pending over a pluggable queue and duplicate filter.
#include "engine/dupefilter.hpp"
#include "engine/request_queue.hpp"

#include <orbweaver/stats.hpp>

#include <memory>
#include <optional>

namespace orbweaver {

class scheduler {
 public:
  scheduler(std::unique_ptr<request_queue> queue, std::unique_ptr<dupefilter> filter, stats_collector& stats);

  // False when the request was dropped as a duplicate (unless dont_filter).
  bool enqueue(request r);
  std::optional<request> next();
  bool has_pending() const { return queue_->size() > 0; }
  std::size_t pending() const { return queue_->size(); }

 private:
  std::unique_ptr<request_queue> queue_;
  std::unique_ptr<dupefilter> filter_;
  stats_collector& stats_;
};

}  // namespace orbweaver
