#include "spider/url_length.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>

#include <algorithm>
#include <string_view>

namespace orbweaver::middlewares {

bool url_length_middleware::open(crawler& c) {
  stats_ = &c.stats();
  auto limit = c.config().get_int("URLLENGTH_LIMIT");
  limit_ = static_cast<std::size_t>(std::max<long long>(0, limit));
  return limit > 0;
}

awaitable<void> url_length_middleware::process_spider_output(const response*, std::vector<request>& requests,
                                                             std::vector<item>&, spider&) {
  std::erase_if(requests, [&](const request& r) {
    if (r.url.size() <= limit_) return false;
    stats_->inc("urllength/request_ignored_count");
    log::debug("url_length", "Ignoring link (url length > {}): {}...", limit_, std::string_view(r.url).substr(0, 200));
    return true;
  });
  co_return;
}

ORBWEAVER_BUILTIN_SPIDER_MIDDLEWARE(url_length_middleware, "url_length", 800);

}  // namespace orbweaver::middlewares
