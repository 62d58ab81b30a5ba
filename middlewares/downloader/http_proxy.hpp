#pragma once
// Proxies as Scrapy's HttpProxyMiddleware: a request goes through the proxy of its meta "proxy"
// ("http://user:pass@host:port"; "" or null: no proxy), or else through the proxy that the
// environment gives for its scheme (http_proxy, https_proxy, no_proxy, read once at startup).
// The middleware only decides: it leaves the proxy URL, without credentials, in meta "proxy" for
// the HTTP client, and the credentials in Proxy-Authorization. A Proxy-Authorization made for
// another proxy than the request's (after a redirect, or a change of meta "proxy") is dropped, and
// one is never left on a request that goes without a proxy, so it cannot reach an origin.
#include <orbweaver/middleware.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::middlewares {

// How a proxy URL's user name and password become bytes (HTTPPROXY_AUTH_ENCODING).
enum class auth_encoding { latin1, utf8 };

// "latin-1" (latin1, iso-8859-1) or "utf-8" (utf8), any case; throws settings_error otherwise.
auth_encoding parse_auth_encoding(std::string_view name);

struct proxy_endpoint {
  std::string url;            // "http://host:port": what meta "proxy" holds for the client
  std::string authorization;  // "Basic ..." from the URL's user and password; empty without a user
};

// "http://[user:password@]host[:port]", or "host:port" taken as http (as curl does). The user
// and password are percent-decoded, then encoded as asked. Throws std::invalid_argument saying
// why a URL is unusable (without echoing it: it may hold a password).
proxy_endpoint parse_proxy(std::string_view proxy_url, auth_encoding encoding);

// The proxies of the environment, as curl and Python's urllib read them.
struct proxy_environment {
  std::optional<proxy_endpoint> http;   // for http:// URLs: http_proxy, else HTTP_PROXY
  std::optional<proxy_endpoint> https;  // for https:// URLs: https_proxy, else HTTPS_PROXY
  // no_proxy, else NO_PROXY: hosts and domains (with their subdomains) reached without a proxy,
  // lower case, leading dots and IPv6 brackets removed; "*" is every host.
  std::vector<std::string> no_proxy;
};

// Looks a variable up as std::getenv does: null when unset.
using environment_lookup = std::function<const char*(const char* name)>;

// A lower-case variable that is set decides, even when empty (empty: none); an upper-case one
// counts only without it. Throws settings_error naming a variable whose proxy is unusable.
proxy_environment read_proxy_environment(const environment_lookup& lookup, auth_encoding encoding);

// host: lower case, without brackets or port.
bool bypasses_proxy(std::string_view host, const std::vector<std::string>& no_proxy);

// Decides the proxy of a request and records it in its meta and headers (see the top of this
// file). Throws std::invalid_argument when meta "proxy" is unusable.
void route_through_proxy(request& r, const proxy_environment& environment, auth_encoding encoding);

class http_proxy_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<request_action> process_request(request& r, spider&) override;

 private:
  proxy_environment environment_;
  auth_encoding encoding_ = auth_encoding::latin1;
};

}  // namespace orbweaver::middlewares
