#include "downloader/http_auth.hpp"
#include "core/domains.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/url.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace orbweaver::middlewares {

std::string basic_authorization(std::string_view user, std::string_view password) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string plain = std::string(user) + ":" + std::string(password);
  std::string out = "Basic ";
  for (std::size_t i = 0; i < plain.size(); i += 3) {
    std::uint32_t chunk = static_cast<unsigned char>(plain[i]) << 16;
    if (i + 1 < plain.size()) chunk |= static_cast<unsigned char>(plain[i + 1]) << 8;
    if (i + 2 < plain.size()) chunk |= static_cast<unsigned char>(plain[i + 2]);
    out += alphabet[(chunk >> 18) & 63];
    out += alphabet[(chunk >> 12) & 63];
    out += i + 1 < plain.size() ? alphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < plain.size() ? alphabet[chunk & 63] : '=';
  }
  return out;
}

bool http_auth_middleware::open(crawler& c) {
  const auto& s = c.config();
  const auto& user = s.get_string("HTTP_USER");
  const auto& password = s.get_string("HTTP_PASS");
  if (user.empty() && password.empty()) return false;
  authorization_ = basic_authorization(user, password);
  domain_ = s.get_string("HTTP_AUTH_DOMAIN");
  std::transform(domain_.begin(), domain_.end(), domain_.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return true;
}

awaitable<request_action> http_auth_middleware::process_request(request& r, spider&) {
  const std::string host(url::request_host(r.url));
  if (domain_.empty() && !host.empty()) {
    domain_ = host;
    log::info("http_auth", "HTTP_AUTH_DOMAIN is empty: sending HTTP_USER's credentials to {} only", domain_);
  }
  if (!r.headers.contains("Authorization") && host_in_domain(host, domain_))
    r.headers.set("Authorization", authorization_);
  co_return pass;
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(http_auth_middleware, "http_auth", 300);

}  // namespace orbweaver::middlewares
