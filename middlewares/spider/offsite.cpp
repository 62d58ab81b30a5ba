#include "spider/offsite.hpp"
#include "core/domains.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/url.hpp>

#include <algorithm>

namespace orbweaver::middlewares {

std::vector<std::string> allowed_domains_of(crawler& c) {
  std::vector<std::string> domains;
  for (const auto& entry : c.target().allowed_domains) {
    if (entry.find("://") != std::string::npos || entry.find(':') != std::string::npos) {
      log::warning("offsite", "allowed_domains accepts only domains, not URLs or ports; ignoring '{}'", entry);
      continue;
    }
    std::string d = entry;
    std::transform(d.begin(), d.end(), d.begin(), [](unsigned char ch) { return std::tolower(ch); });
    domains.push_back(std::move(d));
  }
  return domains;
}

bool offsite_middleware::open(crawler& c) {
  stats_ = &c.stats();
  domains_ = allowed_domains_of(c);
  return c.config().get_bool("OFFSITE_ENABLED") && !domains_.empty();
}

awaitable<void> offsite_middleware::process_spider_output(const response* source, std::vector<request>& requests,
                                                          std::vector<item>&, spider&) {
  if (!source) co_return;
  std::erase_if(requests, [&](const request& r) {
    if (r.dont_filter) return false;
    const std::string_view host = url::request_host(r.url);
    if (host_in_any_domain(host, domains_)) return false;
    stats_->inc("offsite/filtered");
    if (reported_hosts_.emplace(host).second) {
      stats_->inc("offsite/domains");
      log::debug("offsite", "Filtered offsite request to '{}': <{} {}>", host, r.method, r.url);
    }
    return true;
  });
  co_return;
}

ORBWEAVER_BUILTIN_SPIDER_MIDDLEWARE(offsite_middleware, "offsite", 500);

}  // namespace orbweaver::middlewares
