#pragma once
// Drops requests whose URL exceeds URLLENGTH_LIMIT characters, as Scrapy's UrlLengthMiddleware:
// servers and proxies refuse such URLs, and they are usually crawler traps (a path that grows
// with every link). Applies to start requests too, so a 100 KB start URL is counted, not fetched.
#include <orbweaver/middleware.hpp>
#include <orbweaver/stats.hpp>

namespace orbweaver::middlewares {

class url_length_middleware : public spider_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<void> process_spider_output(const response* source, std::vector<request>& requests,
                                        std::vector<item>& items, spider&) override;

 private:
  std::size_t limit_ = 2083;
  stats_collector* stats_ = nullptr;
};

}  // namespace orbweaver::middlewares
