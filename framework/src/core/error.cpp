#include <orbweaver/error.hpp>

#include <string>

namespace orbweaver {
namespace {

constexpr std::string_view short_name(errc e) {
  switch (e) {
    case errc::bad_url: return "bad_url";
    case errc::unsupported_scheme: return "unsupported_scheme";
    case errc::dns_failed: return "dns_failed";
    case errc::connect_failed: return "connect_failed";
    case errc::tls_failed: return "tls_failed";
    case errc::download_timeout: return "download_timeout";
    case errc::connection_closed: return "connection_closed";
    case errc::protocol_error: return "protocol_error";
    case errc::body_too_large: return "body_too_large";
    case errc::decode_failed: return "decode_failed";
    case errc::offsite: return "offsite";
    case errc::robots_blocked: return "robots_blocked";
    case errc::http_error: return "http_error";
    case errc::depth_exceeded: return "depth_exceeded";
    case errc::dropped: return "dropped";
    case errc::cancelled: return "cancelled";
    case errc::callback_failed: return "callback_failed";
    case errc::component_failed: return "component_failed";
    case errc::redirect_loop: return "redirect_loop";
    case errc::too_many_redirects: return "too_many_redirects";
    case errc::url_too_long: return "url_too_long";
    case errc::proxy_failed: return "proxy_failed";
    case errc::header_too_large: return "header_too_large";
    case errc::not_cached: return "not_cached";
    case errc::render_timeout: return "render_timeout";
    case errc::browser_timeout: return "browser_timeout";
    case errc::browser_lost: return "browser_lost";
    case errc::browser_error: return "browser_error";
  }
  return "unknown";
}

class orbweaver_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "orbweaver"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::bad_url: return "malformed URL";
      case errc::unsupported_scheme: return "unsupported URL scheme";
      case errc::dns_failed: return "DNS lookup failed";
      case errc::connect_failed: return "connection failed";
      case errc::tls_failed: return "TLS handshake failed";
      case errc::download_timeout: return "download timed out";
      case errc::connection_closed: return "connection closed by peer";
      case errc::protocol_error: return "malformed HTTP response";
      case errc::body_too_large: return "response body exceeds the size limit";
      case errc::decode_failed: return "content decoding failed";
      case errc::offsite: return "request to a domain outside allowed_domains";
      case errc::robots_blocked: return "forbidden by robots.txt";
      case errc::http_error: return "HTTP status not handled";
      case errc::depth_exceeded: return "depth limit reached";
      case errc::dropped: return "dropped";
      case errc::cancelled: return "cancelled";
      case errc::callback_failed: return "spider callback raised an exception";
      case errc::component_failed: return "a middleware or pipeline raised an exception";
      case errc::redirect_loop: return "redirect loop";
      case errc::too_many_redirects: return "too many redirects";
      case errc::url_too_long: return "URL longer than URLLENGTH_LIMIT";
      case errc::proxy_failed: return "the proxy refused to open a tunnel";
      case errc::header_too_large: return "response header too large";
      case errc::not_cached: return "not in the HTTP cache (HTTPCACHE_IGNORE_MISSING)";
      case errc::render_timeout: return "the rendered page did not settle in time";
      case errc::browser_timeout: return "the browser did not answer in time";
      case errc::browser_lost: return "the browser is gone";
      case errc::browser_error: return "the browser reported an error";
    }
    return "unknown orbweaver error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const orbweaver_category category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

std::string error_name(std::error_code ec) {
  if (ec.category() == error_category()) return std::string(short_name(static_cast<errc>(ec.value())));
  return std::string(ec.category().name()) + ":" + std::to_string(ec.value());
}

}  // namespace orbweaver
