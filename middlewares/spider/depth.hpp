#pragma once
// Tracks each request's depth in meta["depth"] (start requests 0, then one more than the response
// that yielded it), drops requests deeper than DEPTH_LIMIT, adjusts priority by DEPTH_PRIORITY
// (positive: breadth-first) and records request_depth_max (and per-depth counts if verbose).
#include <orbweaver/middleware.hpp>
#include <orbweaver/stats.hpp>

namespace orbweaver::middlewares {

class depth_middleware : public spider_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<void> process_spider_output(const response* source, std::vector<request>& requests,
                                        std::vector<item>& items, spider&) override;

 private:
  long long limit_ = 0;
  long long priority_step_ = 0;
  bool verbose_ = false;
  stats_collector* stats_ = nullptr;
};

}  // namespace orbweaver::middlewares
