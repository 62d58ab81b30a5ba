#pragma once
// Crawl statistics, Scrapy's keys where Scrapy has one ("downloader/request_count",
// "downloader/response_status_count/200", "item_scraped_count", ...). Owned by the reactor thread:
// only engine, middlewares and pipelines touch it, never a callback on the pool.
#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace orbweaver {

class stats_collector {
 public:
  void inc(std::string_view key, std::int64_t by = 1);
  void set(std::string_view key, boost::json::value v);
  void max(std::string_view key, std::int64_t v);
  std::int64_t get(std::string_view key) const;  // 0 when absent or not a number
  const boost::json::object& all() const { return values_; }
  // One "key: value" line per stat, sorted by key, as printed at the end of a crawl.
  std::string dump() const;

 private:
  boost::json::object values_;
};

}  // namespace orbweaver
