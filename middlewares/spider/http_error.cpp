#include "spider/http_error.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>

#include <algorithm>
#include <string>

namespace orbweaver::middlewares {

bool http_error_policy::allows(int status, const json::object& meta) const {
  if (status >= 200 && status < 300) return true;
  if (auto* all = meta.if_contains("handle_httpstatus_all"); all && all->is_bool() && all->get_bool()) return true;
  if (auto* list = meta.if_contains("handle_httpstatus_list"); list && list->is_array()) {
    // A request's own list replaces the settings, as in Scrapy.
    const auto& codes = list->get_array();
    return std::any_of(codes.begin(), codes.end(), [&](const json::value& v) {
      return v.is_int64() && v.get_int64() == status;
    });
  }
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

ORBWEAVER_SPIDER_MIDDLEWARE(http_error_middleware, "http_error", 50);

}  // namespace orbweaver::middlewares
