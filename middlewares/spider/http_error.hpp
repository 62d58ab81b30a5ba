#pragma once
// Keeps non-2xx responses from callbacks unless allowed: by the request's meta
// (handle_httpstatus_all, handle_httpstatus_list) or by HTTPERROR_ALLOW_ALL /
// HTTPERROR_ALLOWED_CODES. A refused response goes to the errback as errc::http_error.
#include <orbweaver/middleware.hpp>
#include <orbweaver/stats.hpp>

#include <vector>

namespace orbweaver::middlewares {

struct http_error_policy {
  bool allow_all = false;
  std::vector<int> allowed_codes;
  bool allows(int status, const json::object& meta) const;
};

class http_error_middleware : public spider_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<std::error_code> process_spider_input(const response& r, spider&) override;

 private:
  http_error_policy policy_;
  stats_collector* stats_ = nullptr;
};

}  // namespace orbweaver::middlewares
