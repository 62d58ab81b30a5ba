#include "download/slot.hpp"

namespace orbweaver::download {

clock::duration slot::wait_before_start(clock::time_point now) const {
  if (!has_free_transfer()) return clock::duration::max();
  return next_start_ > now ? next_start_ - now : clock::duration::zero();
}

void slot::start_transfer(clock::time_point now, std::mt19937& rng) {
  ++transferring_;
  last_start_ = now;
  if (!has_delay()) return;
  double factor = 1.0;
  if (policy_.randomize_delay) factor = std::uniform_real_distribution<double>(0.5, 1.5)(rng);
  next_start_ = now + std::chrono::duration_cast<clock::duration>(std::max(policy_.delay * factor, minimum_delay_));
}

void slot::raise_minimum_delay(std::chrono::duration<double> d) {
  if (d <= minimum_delay_) return;
  minimum_delay_ = d;
  policy_.delay = std::max(policy_.delay, d);
  if (last_start_) next_start_ = std::max(next_start_, *last_start_ + std::chrono::duration_cast<clock::duration>(d));
}

}  // namespace orbweaver::download
