#pragma once
// A download slot: the per-host (or per-IP) limit on concurrent transfers and the delay between
// the starts of two transfers, as Scrapy's Slot. Pure logic over a clock value; the downloader
// owns the queue of waiting requests and the timer.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <random>

namespace orbweaver::download {

using clock = std::chrono::steady_clock;

struct slot_policy {
  std::size_t concurrency = 8;
  std::chrono::duration<double> delay{0};
  bool randomize_delay = true;  // each delay drawn from 0.5x to 1.5x, like RANDOMIZE_DOWNLOAD_DELAY
};

class slot {
 public:
  explicit slot(slot_policy policy) : policy_(policy) {}

  bool has_free_transfer() const { return transferring_ < policy_.concurrency; }
  // How long to wait before another transfer may start (zero when it may start now).
  clock::duration wait_before_start(clock::time_point now) const;
  // Record a transfer starting now; draws the delay that will hold the next one.
  void start_transfer(clock::time_point now, std::mt19937& rng);
  void finish_transfer() { --transferring_; }

  std::size_t transferring() const { return transferring_; }
  bool has_delay() const { return policy_.delay.count() > 0; }
  std::chrono::duration<double> delay() const { return policy_.delay; }
  // AutoThrottle moves the delay as the server's latency changes, never below the minimum.
  void set_delay(std::chrono::duration<double> d) { policy_.delay = std::max(d, minimum_delay_); }
  // A delay the starts keep whatever the randomisation draws or AutoThrottle sets (robots.txt's
  // Crawl-delay). Raising it also holds back the next start. A lower value changes nothing.
  void raise_minimum_delay(std::chrono::duration<double> d);
  const slot_policy& policy() const { return policy_; }

 private:
  slot_policy policy_;
  std::chrono::duration<double> minimum_delay_{0};
  std::size_t transferring_ = 0;
  std::optional<clock::time_point> last_start_;
  clock::time_point next_start_{};  // earliest start of the next transfer
};

}  // namespace orbweaver::download
