#include "spider/depth.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>

namespace orbweaver::middlewares {

bool depth_middleware::open(crawler& c) {
  stats_ = &c.stats();
  limit_ = c.config().get_int("DEPTH_LIMIT");
  priority_step_ = c.config().get_int("DEPTH_PRIORITY");
  verbose_ = c.config().get_bool("DEPTH_STATS_VERBOSE");
  return true;
}

awaitable<void> depth_middleware::process_spider_output(const response* source, std::vector<request>& requests,
                                                        std::vector<item>&, spider&) {
  std::int64_t parent = -1;  // start requests get depth 0
  if (source) {
    parent = 0;
    if (auto* d = source->meta().if_contains("depth"); d && d->is_int64()) parent = d->get_int64();
  }
  std::int64_t depth = parent + 1;
  if (limit_ > 0 && depth > limit_) {
    for (const auto& r : requests) log::debug("depth", "Ignoring link (depth {} > {}): {}", depth, limit_, r.url);
    stats_->inc("depth/filtered", static_cast<std::int64_t>(requests.size()));
    requests.clear();
    co_return;
  }
  for (auto& r : requests) {
    r.meta["depth"] = depth;
    r.priority -= static_cast<int>(depth * priority_step_);
  }
  if (!requests.empty()) {
    stats_->max("request_depth_max", depth);
    if (verbose_) stats_->inc("request_depth_count/" + std::to_string(depth), static_cast<std::int64_t>(requests.size()));
  }
  co_return;
}

ORBWEAVER_BUILTIN_SPIDER_MIDDLEWARE(depth_middleware, "depth", 900);

}  // namespace orbweaver::middlewares
