#include "spider/http_error.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/meta.hpp>

#include <algorithm>
#include <string>

namespace orbweaver::middlewares {

bool http_error_policy::allows(int status, const json::object& meta) const {
  if (status >= 200 && status < 300) return true;
  if (meta_handles_status(meta, status)) return true;
  // A request's own list replaces the settings, as in Scrapy.
  if (meta.contains("handle_httpstatus_list")) return false;
  return allow_all || std::find(allowed_codes.begin(), allowed_codes.end(), status) != allowed_codes.end();
}

bool http_error_middleware::open(crawler& c) {
  stats_ = &c.stats();
  policy_.allow_all = c.config().get_bool("HTTPERROR_ALLOW_ALL");
  for (const auto& code : c.config().get_list("HTTPERROR_ALLOWED_CODES")) {
    try {
      policy_.allowed_codes.push_back(std::stoi(code));
    } catch (const std::exception&) {
      throw settings_error("HTTPERROR_ALLOWED_CODES: '" + code + "' is not a status code");
    }
  }
  return true;
}

awaitable<std::error_code> http_error_middleware::process_spider_input(const response& r, spider&) {
  if (policy_.allows(r.status(), r.meta())) co_return std::error_code{};
  stats_->inc("httperror/response_ignored_count");
  stats_->inc("httperror/response_ignored_status_count/" + std::to_string(r.status()));
  co_return make_error_code(errc::http_error);
}

ORBWEAVER_BUILTIN_SPIDER_MIDDLEWARE(http_error_middleware, "http_error", 50);

}  // namespace orbweaver::middlewares
