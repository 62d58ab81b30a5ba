#pragma once
// Scrapy's CloseSpider extension: end the crawl after so many items, pages or callback errors, or
// after a time. Counts come from the stats; the engine checks after each request it finishes and
// arms a timer for the timeout.
#include <orbweaver/settings.hpp>
#include <orbweaver/stats.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace orbweaver {

struct close_conditions {
  std::int64_t item_count = 0;   // CLOSESPIDER_ITEMCOUNT; 0 = off
  std::int64_t page_count = 0;   // CLOSESPIDER_PAGECOUNT
  std::int64_t error_count = 0;  // CLOSESPIDER_ERRORCOUNT
  std::chrono::duration<double> timeout{0};  // CLOSESPIDER_TIMEOUT

  static close_conditions from(const settings& s);
  // The finish reason ("closespider_itemcount", ...) once a count is reached.
  std::optional<std::string> reached(const stats_collector& stats) const;
};

}  // namespace orbweaver
