#pragma once
// What the dashboard shows, without sockets: the crawl's numbers at one moment, the series of
// pages and items per second sampled every second, the JSON of /stats and /events built from
// them, and the page itself (live, or a static report with the final numbers inlined).
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::dashboard {

struct slot_numbers {
  std::string key;
  std::size_t queued = 0;
  std::size_t in_flight = 0;
  double delay_seconds = 0;
};

// The engine's side of a snapshot; the stats collector's values are taken as they are.
struct crawl_numbers {
  boost::json::object stats;
  std::vector<slot_numbers> slots;
  std::size_t frontier = 0;  // requests waiting to be handed out
  std::size_t in_flight = 0;
  double elapsed_seconds = 0;
  std::vector<std::string> last_errors;
  bool finished = false;
};

// Pages and items per second between consecutive samples, keeping the last `capacity` points so
// that a crawl of days holds a bounded series (the chart shows the most recent stretch).
class rate_series {
 public:
  explicit rate_series(std::size_t capacity = 3600) : capacity_(capacity) {}
  void sample(double elapsed_seconds, std::int64_t pages, std::int64_t items);
  std::size_t size() const { return points_.size(); }
  // {"elapsed": [...], "pages_per_second": [...], "items_per_second": [...]}
  boost::json::object to_json() const;

 private:
  struct point {
    double elapsed;
    double pages_per_second;
    double items_per_second;
  };
  std::size_t capacity_;
  std::deque<point> points_;
  double last_elapsed_ = 0;
  std::int64_t last_pages_ = 0;
  std::int64_t last_items_ = 0;
};

// The resident set size of this process in bytes (/proc/self/statm), 0 when unknown.
std::int64_t resident_bytes();

// The JSON of /stats: pages, items, elapsed_seconds, memory_rss_bytes, frontier, in_flight,
// status_codes (from downloader/response_status_count/*), errors_by_kind (from
// downloader/exception_type_count/*), slots, series, last_errors, finished, and every stat.
boost::json::object stats_json(const crawl_numbers& numbers, const rate_series& series, std::int64_t rss_bytes);

// The live page: it reads /events (with the token it was opened with) and draws the charts.
std::string live_page();
// The static report: the same page with `numbers` inlined, and the charting library with it, so
// that it opens offline.
std::string report_page(const boost::json::object& numbers);
// False when the build found no charting library (scripts/install-deps installs it): the page then
// shows the numbers and tables without charts.
bool has_charts();

}  // namespace orbweaver::dashboard
