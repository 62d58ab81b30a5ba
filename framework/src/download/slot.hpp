#pragma once
// A download slot: the per-host (or per-IP) limit on concurrent transfers and the delay between
// the starts of two transfers, as Scrapy's Slot. Pure logic over a clock value; the downloader
// owns the queue of waiting requests and the timer, the frontier asks it when to hand out more.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

namespace orbweaver::download {

using clock = std::chrono::steady_clock;

struct slot_policy {
  std::size_t concurrency = 8;
  std::chrono::duration<double> delay{0};
  bool randomize_delay = true;  // each delay drawn from 0.5x to 1.5x, like RANDOMIZE_DOWNLOAD_DELAY
};

// DOWNLOAD_SLOTS, as Scrapy 2.11: a JSON object of slot key -> {"concurrency", "delay",
// "randomize_delay"}; keys left out take `defaults`. Throws settings_error naming the slot and the
// key on anything else (bad JSON, an unknown key, a wrong type, a negative value, concurrency 0).
std::unordered_map<std::string, slot_policy> parse_download_slots(std::string_view json,
                                                                  const slot_policy& defaults);

class slot {
 public:
  explicit slot(slot_policy policy) : policy_(policy) {}

  // A free transfer for a request that has none reserved (robots.txt and crawler::download, which
  // bypass the scheduler): reservations do not count, or a page waiting for its robots.txt would
  // hold the transfer robots.txt needs.
  bool has_free_transfer() const { return transferring_ < policy_.concurrency; }
  // How long to wait before another transfer may start (zero when it may start now).
  clock::duration wait_before_start(clock::time_point now) const;
  // Record a transfer starting now; draws the delay that will hold the next one.
  void start_transfer(clock::time_point now, std::mt19937& rng);
  void finish_transfer() { --transferring_; }

  // The frontier reserves a transfer when it hands a request out, so that it never hands out more
  // than the slot can start: the request starts its transfer (start_transfer + end_reservation)
  // or gives the reservation back (end_reservation) when it ends before a transfer.
  void reserve() { ++reserved_; }
  void end_reservation() { --reserved_; }
  std::size_t reserved() const { return reserved_; }
  // When the frontier may hand out the next request: the time the delay allows, or
  // time_point::max() while the transfers and reservations fill the slot, or while a slot with a
  // delay already has a request handed out that has not started (its start draws the next delay).
  clock::time_point ready_at() const;

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
  std::size_t reserved_ = 0;
  std::optional<clock::time_point> last_start_;
  // Earliest start of the next transfer; without a delay, the last start, so that across slots
  // the one served longest ago goes first.
  clock::time_point next_start_{};
};

// What the frontier asks of the download slots before it hands a request out.
class slot_gate {
 public:
  virtual ~slot_gate() = default;
  // slot::ready_at of the slot with this key.
  virtual clock::time_point ready_at(const std::string& key) = 0;
  // A request of this slot is handed out: it holds a transfer until it starts one or ends.
  virtual void reserve(const std::string& key) = 0;
};

// The slots by key, each made on first use with its DOWNLOAD_SLOTS policy or the default one.
class slot_table final : public slot_gate {
 public:
  slot_table(slot_policy defaults, std::unordered_map<std::string, slot_policy> configured)
      : defaults_(defaults), configured_(std::move(configured)) {}

  slot& at(const std::string& key);
  slot* find(const std::string& key);
  // A slot without transfers, reservations or delay keeps nothing worth remembering: it goes,
  // so that a broad crawl does not keep one per host it ever saw.
  void forget_if_idle(const std::string& key);

  clock::time_point ready_at(const std::string& key) override { return at(key).ready_at(); }
  const std::unordered_map<std::string, slot>& all() const { return slots_; }
  void reserve(const std::string& key) override { at(key).reserve(); }

 private:
  slot_policy defaults_;
  std::unordered_map<std::string, slot_policy> configured_;
  std::unordered_map<std::string, slot> slots_;
};

}  // namespace orbweaver::download
