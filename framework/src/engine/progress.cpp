#include "engine/progress.hpp"

#include <fmt/format.h>

namespace orbweaver {

std::string progress_line(const progress_snapshot& p, std::size_t width) {
  auto seconds = p.elapsed.count();
  auto elapsed = seconds >= 3600 ? fmt::format("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
                                 : fmt::format("{}:{:02}", seconds / 60, seconds % 60);
  // The time first and the counts short, so that an 80-column terminal shows it all; what a
  // narrower one cuts off is the queue.
  auto line = fmt::format("[{}] {} pages ({:.0f}/min), {} items, {} {} | {} queued, {} in flight", elapsed, p.pages,
                          p.pages_per_minute, p.items, p.errors, p.errors == 1 ? "error" : "errors", p.queued,
                          p.in_flight);
  if (width > 0 && line.size() >= width) line.resize(width - 1);  // ASCII only: bytes are columns
  return line;
}

void page_rate::sample(std::chrono::steady_clock::time_point when, std::int64_t pages) {
  samples_.emplace_back(when, pages);
  while (samples_.size() > 2 && when - samples_[1].first >= window_) samples_.pop_front();
}

double page_rate::per_minute() const {
  if (samples_.size() < 2) return 0;
  auto& [first_time, first_pages] = samples_.front();
  auto& [last_time, last_pages] = samples_.back();
  double minutes = std::chrono::duration<double, std::ratio<60>>(last_time - first_time).count();
  return minutes > 0 ? static_cast<double>(last_pages - first_pages) / minutes : 0;
}

}  // namespace orbweaver
