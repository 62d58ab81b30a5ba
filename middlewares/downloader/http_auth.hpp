#pragma once
// HTTP basic authentication as Scrapy's HttpAuthMiddleware, configured by settings instead of
// spider attributes: HTTP_USER and HTTP_PASS are sent as "Authorization: Basic ..." only to
// HTTP_AUTH_DOMAIN and its subdomains (empty: the host of the first request), so the credentials
// never leak to other sites a crawl reaches. A request with its own Authorization keeps it.
#include <orbweaver/middleware.hpp>

#include <string>
#include <string_view>

namespace orbweaver::middlewares {

// "Basic " + base64(user ":" password), RFC 7617.
std::string basic_authorization(std::string_view user, std::string_view password);

class http_auth_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<request_action> process_request(request& r, spider&) override;

 private:
  std::string authorization_;
  std::string domain_;  // lower case; empty until the first request when not configured
};

}  // namespace orbweaver::middlewares
