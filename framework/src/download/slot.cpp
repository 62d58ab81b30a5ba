#include "download/slot.hpp"

#include <orbweaver/settings.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace orbweaver::download {

clock::duration slot::wait_before_start(clock::time_point now) const {
  if (!has_free_transfer()) return clock::duration::max();
  return next_start_ > now ? next_start_ - now : clock::duration::zero();
}

void slot::start_transfer(clock::time_point now, std::mt19937& rng) {
  ++transferring_;
  last_start_ = now;
  if (!has_delay()) {
    next_start_ = now;
    return;
  }
  double factor = 1.0;
  if (policy_.randomize_delay) factor = std::uniform_real_distribution<double>(0.5, 1.5)(rng);
  next_start_ = now + std::chrono::duration_cast<clock::duration>(std::max(policy_.delay * factor, minimum_delay_));
}

clock::time_point slot::ready_at() const {
  if (transferring_ + reserved_ >= policy_.concurrency) return clock::time_point::max();
  if (reserved_ > 0 && has_delay()) return clock::time_point::max();
  return next_start_;
}

void slot::raise_minimum_delay(std::chrono::duration<double> d) {
  if (d <= minimum_delay_) return;
  minimum_delay_ = d;
  policy_.delay = std::max(policy_.delay, d);
  if (last_start_) next_start_ = std::max(next_start_, *last_start_ + std::chrono::duration_cast<clock::duration>(d));
}

slot& slot_table::at(const std::string& key) {
  auto found = slots_.find(key);
  if (found != slots_.end()) return found->second;
  auto policy = configured_.find(key);
  return slots_.emplace(key, slot(policy == configured_.end() ? defaults_ : policy->second)).first->second;
}

slot* slot_table::find(const std::string& key) {
  auto found = slots_.find(key);
  return found == slots_.end() ? nullptr : &found->second;
}

void slot_table::forget_if_idle(const std::string& key) {
  auto found = slots_.find(key);
  if (found == slots_.end()) return;
  const slot& s = found->second;
  if (s.transferring() == 0 && s.reserved() == 0 && !s.has_delay()) slots_.erase(found);
}

namespace {

[[noreturn]] void bad_slot(std::string_view key, std::string_view why) {
  throw settings_error(fmt::format("DOWNLOAD_SLOTS: slot '{}': {}", key, why));
}

double number_of(const boost::json::value& v, std::string_view slot, std::string_view name) {
  if (!v.is_number()) bad_slot(slot, fmt::format("'{}' must be a number", name));
  double n = v.to_number<double>();
  if (!(n >= 0)) bad_slot(slot, fmt::format("'{}' must not be negative, got {}", name, n));
  return n;
}

}  // namespace

std::unordered_map<std::string, slot_policy> parse_download_slots(std::string_view json,
                                                                  const slot_policy& defaults) {
  std::unordered_map<std::string, slot_policy> slots;
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return slots;
  boost::system::error_code ec;
  auto parsed = boost::json::parse(json, ec);
  if (ec) throw settings_error(fmt::format("DOWNLOAD_SLOTS is not valid JSON: {}", ec.message()));
  if (!parsed.is_object()) throw settings_error("DOWNLOAD_SLOTS must be a JSON object of slot name -> {...}");
  for (const auto& [key, entry] : parsed.get_object()) {
    if (key.empty()) throw settings_error("DOWNLOAD_SLOTS: a slot name is empty");
    if (!entry.is_object()) bad_slot(key, "expected an object like {\"concurrency\": 1, \"delay\": 2}");
    slot_policy policy = defaults;
    for (const auto& [name, value] : entry.get_object()) {
      if (name == "concurrency") {
        double n = number_of(value, key, name);
        if (n < 1 || n != static_cast<double>(static_cast<std::size_t>(n)))
          bad_slot(key, fmt::format("'concurrency' must be a whole number of at least 1, got {}", n));
        policy.concurrency = static_cast<std::size_t>(n);
      } else if (name == "delay") {
        policy.delay = std::chrono::duration<double>(number_of(value, key, name));
      } else if (name == "randomize_delay") {
        if (!value.is_bool()) bad_slot(key, "'randomize_delay' must be true or false");
        policy.randomize_delay = value.get_bool();
      } else {
        bad_slot(key, fmt::format("unknown key '{}' (expected concurrency, delay, randomize_delay)",
                                  std::string_view(name)));
      }
    }
    slots.emplace(std::string(key), policy);
  }
  return slots;
}

}  // namespace orbweaver::download
