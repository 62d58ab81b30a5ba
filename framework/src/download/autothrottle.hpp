#pragma once
// AutoThrottle, as Scrapy's: each slot's delay follows the server's latency so that about
// AUTOTHROTTLE_TARGET_CONCURRENCY requests are in flight to it on average. It only changes the
// slot's delay; the slot's concurrency limit (CONCURRENT_REQUESTS_PER_DOMAIN / _PER_IP) still
// bounds it from above.
#include <chrono>

namespace orbweaver::download {

struct autothrottle_params {
  double target_concurrency = 1.0;
  std::chrono::duration<double> min_delay{0};   // DOWNLOAD_DELAY
  std::chrono::duration<double> max_delay{60};  // AUTOTHROTTLE_MAX_DELAY
};

// The slot's next delay after a response with this latency and status: halfway from the current
// delay towards latency / target_concurrency, never below that target, within [min, max]; an
// error status may raise the delay but never lowers it (errors are often fast).
std::chrono::duration<double> autothrottle_delay(std::chrono::duration<double> current,
                                                 std::chrono::duration<double> latency, int status,
                                                 const autothrottle_params& p);

}  // namespace orbweaver::download
