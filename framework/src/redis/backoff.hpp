#pragma once
// The waits between reconnect attempts: capped exponential backoff with jitter (backoff_delay).
// Each wait is a random half to all of the current step; the step starts at `first` and doubles up
// to `cap`. The jitter keeps workers that lost the same server from all returning at the same moment.
#include "core/backoff.hpp"

#include <chrono>
#include <cstdint>
#include <random>

namespace orbweaver::redis {

class backoff {
 public:
  backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap, std::uint32_t seed = std::random_device{}())
      : first_(first), cap_(cap), random_(seed) {}

  std::chrono::milliseconds next() {
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(backoff_delay(++attempt_, first_, cap_, jitter(random_)));
  }
  void reset() { attempt_ = 0; }

 private:
  std::chrono::milliseconds first_, cap_;
  long long attempt_ = 0;
  std::minstd_rand random_;
};

}  // namespace orbweaver::redis
