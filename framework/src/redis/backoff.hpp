#pragma once
// The waits between reconnect attempts: capped exponential backoff with jitter. Each wait is a
// random half to all of the current step; the step starts at `first` and doubles up to `cap`.
// The jitter keeps workers that lost the same server from all returning at the same moment.
#include <chrono>
#include <cstdint>
#include <random>

namespace orbweaver::redis {

class backoff {
 public:
  backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap, std::uint32_t seed = std::random_device{}())
      : first_(first), cap_(cap), step_(first), random_(seed) {}

  std::chrono::milliseconds next() {
    std::uniform_int_distribution<long long> pick(step_.count() / 2, step_.count());
    const std::chrono::milliseconds wait(pick(random_));
    step_ = std::min(step_ * 2, cap_);
    return wait;
  }
  void reset() { step_ = first_; }

 private:
  std::chrono::milliseconds first_, cap_, step_;
  std::minstd_rand random_;
};

}  // namespace orbweaver::redis
