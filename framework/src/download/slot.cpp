#include "download/slot.hpp"

namespace orbweaver::download {

clock::duration slot::wait_before_start(clock::time_point now) const {
  if (!has_free_transfer()) return clock::duration::max();
  return next_start_ > now ? next_start_ - now : clock::duration::zero();
}

void slot::start_transfer(clock::time_point now, std::mt19937& rng) {
  ++transferring_;
  if (!has_delay()) return;
  double factor = 1.0;
  if (policy_.randomize_delay) factor = std::uniform_real_distribution<double>(0.5, 1.5)(rng);
  next_start_ = now + std::chrono::duration_cast<clock::duration>(policy_.delay * factor);
}

}  // namespace orbweaver::download
