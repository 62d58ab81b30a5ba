#pragma once
// Drops requests a callback yields for hosts outside the spider's allowed_domains (a domain also
// allows its subdomains). Requests with dont_filter pass; start requests are not filtered.
#include <orbweaver/middleware.hpp>
#include <orbweaver/stats.hpp>

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace orbweaver::middlewares {

// The spider's allowed_domains, lower-cased; entries that are URLs or carry a port are warned
// about and left out, as Scrapy does.
std::vector<std::string> allowed_domains_of(crawler& c);

class offsite_middleware : public spider_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<void> process_spider_output(const response* source, std::vector<request>& requests,
                                        std::vector<item>& items, spider&) override;

 private:
  std::vector<std::string> domains_;
  std::unordered_set<std::string> reported_hosts_;
  stats_collector* stats_ = nullptr;
};

}  // namespace orbweaver::middlewares
