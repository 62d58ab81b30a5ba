#pragma once
// Item pipelines: open, process each item in ascending priority order, close. Hooks run on the
// reactor thread and must not block for long (batch writes; see the SQLite store).
#include <orbweaver/item.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace orbweaver {

class crawler;
class spider;

// Thrown by process_item to drop the item: it is counted and logged, later pipelines skip it.
struct drop_item : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class item_pipeline {
 public:
  virtual ~item_pipeline() = default;
  // Return false to stay out (not configured). Throwing stops the crawl before any request.
  virtual bool open(crawler&) { return true; }
  virtual boost::asio::awaitable<void> process_item(item&, spider&) { co_return; }
  // Flush and release; called once at the end of the crawl, whatever the reason.
  virtual boost::asio::awaitable<void> close(spider&) { co_return; }
};

using pipeline_factory = std::function<std::unique_ptr<item_pipeline>()>;
// A pipeline registered here is off until ITEM_PIPELINES gives it a priority (orbweaver.toml, a
// spider's custom_settings or -s), as in Scrapy: ITEM_PIPELINES = { price_filter = 300 }. Lower
// priorities see items first; the built-in feed export (1100) and SQLite store (1200) come after
// Scrapy's usual 0-1000.
void register_pipeline(std::string name, pipeline_factory f);

namespace detail {
struct pipeline_registration {
  pipeline_registration(std::string name, pipeline_factory f) { register_pipeline(std::move(name), std::move(f)); }
};
}  // namespace detail

}  // namespace orbweaver

// At namespace scope: ORBWEAVER_PIPELINE(price_filter, "price_filter");
#define ORBWEAVER_PIPELINE(cls, name)                                                       \
  static const ::orbweaver::detail::pipeline_registration ORBWEAVER_CONCAT(                 \
      orbweaver_pipeline_registration_, __LINE__) {                                         \
    name, [] { return std::unique_ptr<::orbweaver::item_pipeline>(std::make_unique<cls>()); } \
  }
