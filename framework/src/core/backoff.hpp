#pragma once
// Capped exponential backoff with jitter, for retried requests (the retry middleware) and for
// reconnecting to a server (the Redis client).
#include <chrono>

namespace orbweaver {

// Wait before attempt `attempt` (1 for the first): base * 2^(attempt-1) capped at max_wait, then
// scaled into [1/2, 1] of itself by `jitter` in [0, 1) so that clients failing together do not
// come back together. Zero when base is zero.
std::chrono::duration<double> backoff_delay(long long attempt, std::chrono::duration<double> base,
                                            std::chrono::duration<double> max_wait, double jitter);

}  // namespace orbweaver
