#pragma once
// The live status line of a crawl on a terminal: what it says, and the pages-per-minute rate over
// the last seconds (not since the start, so that it follows the crawl's pace).
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace orbweaver {

struct progress_snapshot {
  std::int64_t pages = 0;
  std::int64_t items = 0;
  double pages_per_minute = 0;
  std::size_t queued = 0;
  std::size_t in_flight = 0;
  std::uint64_t errors = 0;
  std::chrono::seconds elapsed{0};
};

// "[0:24] 120 pages (300/min), 95 items, 2 errors | 14 queued, 8 in flight",
// cut to width - 1 columns: a line as wide as the terminal would wrap and break the redraw.
std::string progress_line(const progress_snapshot& p, std::size_t width);

// Pages per minute over a sliding window of samples.
class page_rate {
 public:
  explicit page_rate(std::chrono::steady_clock::duration window = std::chrono::seconds(10)) : window_(window) {}
  void sample(std::chrono::steady_clock::time_point when, std::int64_t pages);
  double per_minute() const;

 private:
  std::chrono::steady_clock::duration window_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::int64_t>> samples_;
};

}  // namespace orbweaver
