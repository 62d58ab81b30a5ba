#include "core/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace orbweaver {

std::chrono::duration<double> backoff_delay(long long attempt, std::chrono::duration<double> base,
                                            std::chrono::duration<double> max_wait, double jitter) {
  using seconds_d = std::chrono::duration<double>;
  if (base.count() <= 0 || attempt < 1) return seconds_d(0);
  // 2^62 seconds is beyond any cap; clamping the exponent keeps the arithmetic finite.
  double exponential = base.count() * std::ldexp(1.0, static_cast<int>(std::min<long long>(attempt - 1, 62)));
  double capped = std::min(exponential, max_wait.count());
  return seconds_d(capped * (0.5 + 0.5 * std::clamp(jitter, 0.0, 1.0)));
}

}  // namespace orbweaver
