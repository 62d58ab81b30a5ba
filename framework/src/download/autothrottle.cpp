#include "download/autothrottle.hpp"

#include <algorithm>

namespace orbweaver::download {

std::chrono::duration<double> autothrottle_delay(std::chrono::duration<double> current,
                                                 std::chrono::duration<double> latency, int status,
                                                 const autothrottle_params& p) {
  auto target = latency / std::max(p.target_concurrency, 0.01);
  auto next = std::max(target, (current + target) / 2);
  next = std::clamp(next, p.min_delay, std::max(p.min_delay, p.max_delay));
  if (status != 200 && next <= current) return current;
  return next;
}

}  // namespace orbweaver::download
