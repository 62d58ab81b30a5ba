#include "downloader/offsite.hpp"
#include "core/domains.hpp"
#include "engine/builtin_components.hpp"

#include "spider/offsite.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/url.hpp>

namespace orbweaver::middlewares {

bool offsite_downloader_middleware::open(crawler& c) {
  stats_ = &c.stats();
  domains_ = allowed_domains_of(c);
  return c.config().get_bool("OFFSITE_ENABLED") && !domains_.empty();
}

awaitable<request_action> offsite_downloader_middleware::process_request(request& r, spider&) {
  const std::string_view host = url::request_host(r.url);
  if (r.dont_filter || host_in_any_domain(host, domains_)) co_return pass;
  stats_->inc("offsite/filtered");
  log::debug("offsite", "Filtered offsite request to '{}': <{} {}>", host, r.method, r.url);
  co_return make_error_code(errc::offsite);
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(offsite_downloader_middleware, "offsite", 50);

}  // namespace orbweaver::middlewares
