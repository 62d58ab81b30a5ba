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
  // Filtered duplicates are logged at DEBUG as Scrapy logs them: the first one only, or every one
  // with `log_every_duplicate` (DUPEFILTER_DEBUG).
  scheduler(std::unique_ptr<request_queue> queue, std::unique_ptr<dupefilter> filter, stats_collector& stats,
            bool log_every_duplicate = false);

  // False when the request was dropped as a duplicate (unless dont_filter).
  bool enqueue(request r);
  std::optional<request> next();
  bool has_pending() const { return queue_->size() > 0; }
  std::size_t pending() const { return queue_->size(); }

 private:
  std::unique_ptr<request_queue> queue_;
  std::unique_ptr<dupefilter> filter_;
  stats_collector& stats_;
  bool log_every_duplicate_;
  bool first_duplicate_logged_ = false;
};

}  // namespace orbweaver
