#pragma once
// The class a user subclasses. Callbacks run on the parse pool, several at once: state a spider
// shares between callbacks must be made thread-safe by the spider (atomics, a mutex); name,
// start_urls and args are read-only once the crawl starts.
#include <orbweaver/output.hpp>
#include <orbweaver/request.hpp>
#include <orbweaver/response.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace orbweaver {

class spider {
 public:
  virtual ~spider() = default;

  std::string name;
  std::vector<std::string> allowed_domains;  // empty: every domain is allowed
  std::vector<std::string> start_urls;
  // Settings of this spider, applied above the project's and below the command line's.
  std::map<std::string, std::string> custom_settings;
  // -a NAME=VALUE arguments from the command line, set before init().
  std::map<std::string, std::string> args;

  // Called once the arguments are set, before the start requests (Scrapy's __init__(**kwargs)).
  virtual void init() {}
  // Default: a GET of each start URL to parse(), not filtered as duplicates.
  virtual std::vector<request> start_requests();
  // The default callback. Throws std::logic_error unless overridden.
  virtual void parse(const response& r, output& out);

  // An argument, or the fallback when it was not given.
  std::string arg(const std::string& key, std::string fallback = {}) const;
};

using spider_factory = std::function<std::unique_ptr<spider>()>;

// Spiders compiled into the launcher register themselves by name (see ORBWEAVER_SPIDER).
void register_spider(spider_factory factory);
std::unique_ptr<spider> create_spider(std::string_view name);  // nullptr when unknown
std::vector<std::string> spider_names();                        // sorted

namespace detail {
struct spider_registration {
  explicit spider_registration(spider_factory f) { register_spider(std::move(f)); }
};
}  // namespace detail

}  // namespace orbweaver

#define ORBWEAVER_CONCAT_INNER(a, b) a##b
#define ORBWEAVER_CONCAT(a, b) ORBWEAVER_CONCAT_INNER(a, b)
// Register a spider class (default-constructible; its constructor sets `name`).
#define ORBWEAVER_SPIDER(cls)                                                     \
  static const ::orbweaver::detail::spider_registration ORBWEAVER_CONCAT(         \
      orbweaver_spider_registration_, __LINE__) {                                 \
    [] { return std::unique_ptr<::orbweaver::spider>(std::make_unique<cls>()); } \
  }
