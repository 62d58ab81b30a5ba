#include "downloader/http_proxy.hpp"
#include "core/domains.hpp"
#include "engine/builtin_components.hpp"
#include "downloader/http_auth.hpp"

#include "core/text.hpp"
#include "download/http_client.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/settings.hpp>

#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace orbweaver::middlewares {
namespace {

namespace urls = boost::urls;

// Meta key of the proxy that the environment chose. It is chosen again each time the request comes
// back (a redirect may lead to another scheme or to a no_proxy host), while a meta proxy that the
// spider set stays.
constexpr std::string_view environment_proxy_key = "_env_proxy";
// Meta key of the proxy that the request's Proxy-Authorization was made for (Scrapy's).
constexpr std::string_view authorization_proxy_key = "_auth_proxy";

// Python's str.encode("latin-1") of UTF-8 text: every character must be below U+0100, which
// UTF-8 writes as one byte, or as C2/C3 and a continuation byte.
std::string latin1_from_utf8(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    if (lead < 0x80) {
      out += static_cast<char>(lead);
      continue;
    }
    const bool two_byte_latin1 = (lead == 0xC2 || lead == 0xC3) && i + 1 < utf8.size() &&
                                 (static_cast<unsigned char>(utf8[i + 1]) & 0xC0) == 0x80;
    if (!two_byte_latin1) {
      throw std::invalid_argument(
          "the proxy credentials are not latin-1 text (HTTPPROXY_AUTH_ENCODING=utf-8 sends them "
          "as UTF-8)");
    }
    out += static_cast<char>(((lead & 0x1F) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F));
    ++i;
  }
  return out;
}

// A no_proxy entry as hosts are compared with it: ".example.com" and "example.com" both cover
// example.com and its subdomains, "[::1]" is the address ::1.
std::string no_proxy_entry(std::string_view raw) {
  std::string entry = text::ascii_lowered(text::trim_ows(raw));
  entry.erase(0, entry.find_first_not_of('.'));
  if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
  return entry;
}

std::optional<proxy_endpoint> environment_proxy(std::string_view url, const proxy_environment& environment) {
  const auto parsed = urls::parse_uri(url);
  if (!parsed) return std::nullopt;  // the client reports the bad URL
  const std::optional<proxy_endpoint>* proxy = parsed->scheme_id() == urls::scheme::https ? &environment.https
                                               : parsed->scheme_id() == urls::scheme::http ? &environment.http
                                                                                           : nullptr;
  if (!proxy || !*proxy || bypasses_proxy(text::ascii_lowered(parsed->host_address()), environment.no_proxy)) {
    return std::nullopt;
  }
  return **proxy;
}

std::optional<proxy_endpoint> meta_proxy(const json::value& proxy, auth_encoding encoding) {
  if (proxy.is_null()) return std::nullopt;
  if (!proxy.is_string()) throw std::invalid_argument("meta proxy must be a URL string, \"\" or null");
  if (proxy.get_string().empty()) return std::nullopt;
  return parse_proxy(proxy.get_string(), encoding);
}

bool chosen_by_environment(const json::object& meta) {
  const auto* proxy = meta.if_contains("proxy");
  const auto* chosen = meta.if_contains(environment_proxy_key);
  return proxy && chosen && proxy->is_string() && chosen->is_string() && proxy->get_string() == chosen->get_string();
}

}  // namespace

auth_encoding parse_auth_encoding(std::string_view name) {
  const std::string lower = text::ascii_lowered(name);
  if (lower == "latin-1" || lower == "latin1" || lower == "iso-8859-1") return auth_encoding::latin1;
  if (lower == "utf-8" || lower == "utf8") return auth_encoding::utf8;
  throw settings_error(fmt::format("HTTPPROXY_AUTH_ENCODING: '{}' is not latin-1 or utf-8", name));
}

proxy_endpoint parse_proxy(std::string_view proxy_url, auth_encoding encoding) {
  const std::string with_scheme = proxy_url.find("://") == std::string_view::npos
                                      ? "http://" + std::string(proxy_url)
                                      : std::string(proxy_url);
  const download::proxy_address address = download::parse_proxy_address(with_scheme);
  if (address.error) throw std::invalid_argument(address.detail);
  proxy_endpoint endpoint{.url = "http://" + address.authority, .authorization = {}};
  const urls::url_view parsed = urls::parse_uri(with_scheme).value();  // parse_proxy_address accepted it
  const std::string user = parsed.user();
  if (!user.empty()) {
    const std::string password = parsed.password();
    endpoint.authorization = encoding == auth_encoding::latin1
                                 ? basic_authorization(latin1_from_utf8(user), latin1_from_utf8(password))
                                 : basic_authorization(user, password);
  }
  return endpoint;
}

proxy_environment read_proxy_environment(const environment_lookup& lookup, auth_encoding encoding) {
  struct variable {
    const char* name;
    std::string_view value;
  };
  const auto read = [&lookup](const char* lower, const char* upper) {
    if (const char* value = lookup(lower)) return variable{lower, value};
    if (const char* value = lookup(upper)) return variable{upper, value};
    return variable{lower, {}};
  };
  const auto proxy_of = [&](const char* lower, const char* upper) -> std::optional<proxy_endpoint> {
    const variable v = read(lower, upper);
    if (v.value.empty()) return std::nullopt;
    try {
      return parse_proxy(v.value, encoding);
    } catch (const std::invalid_argument& e) {
      throw settings_error(fmt::format("environment variable {}: {}", v.name, e.what()));
    }
  };

  proxy_environment environment;
  environment.http = proxy_of("http_proxy", "HTTP_PROXY");
  environment.https = proxy_of("https_proxy", "HTTPS_PROXY");
  std::string_view no_proxy = read("no_proxy", "NO_PROXY").value;
  while (!no_proxy.empty()) {
    const auto comma = no_proxy.find(',');
    std::string entry = no_proxy_entry(no_proxy.substr(0, comma));
    if (!entry.empty()) environment.no_proxy.push_back(std::move(entry));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
  }
  return environment;
}

bool bypasses_proxy(std::string_view host, const std::vector<std::string>& no_proxy) {
  return std::any_of(no_proxy.begin(), no_proxy.end(),
                     [host](const std::string& entry) { return entry == "*" || host_in_domain(host, entry); });
}

void route_through_proxy(request& r, const proxy_environment& environment, auth_encoding encoding) {
  const bool environment_chose_before = chosen_by_environment(r.meta);
  const json::value* in_meta = environment_chose_before ? nullptr : r.meta.if_contains("proxy");
  const bool meta_decides = in_meta != nullptr;
  const std::optional<proxy_endpoint> proxy =
      meta_decides ? meta_proxy(*in_meta, encoding) : environment_proxy(r.url, environment);

  if (proxy) {
    r.meta["proxy"] = proxy->url;
  } else if (environment_chose_before) {
    r.meta.erase("proxy");
  }
  if (proxy && !meta_decides) {
    r.meta[environment_proxy_key] = proxy->url;
  } else {
    r.meta.erase(environment_proxy_key);
  }

  // Scrapy's rules: the URL's credentials win; a Proxy-Authorization made for another proxy goes;
  // the request's own stays with the proxy it is sent to, and goes when there is none.
  const std::string proxy_url = proxy ? proxy->url : std::string();
  if (proxy && !proxy->authorization.empty()) {
    r.headers.set("Proxy-Authorization", proxy->authorization);
    r.meta[authorization_proxy_key] = proxy_url;
  } else if (const auto* made_for = r.meta.if_contains(authorization_proxy_key)) {
    if (!made_for->is_string() || made_for->get_string() != proxy_url) {
      r.headers.remove("Proxy-Authorization");
      r.meta.erase(authorization_proxy_key);
    }
  } else if (r.headers.contains("Proxy-Authorization")) {
    if (proxy) {
      r.meta[authorization_proxy_key] = proxy_url;
    } else {
      r.headers.remove("Proxy-Authorization");
    }
  }
}

bool http_proxy_middleware::open(crawler& c) {
  if (!c.config().get_bool("HTTPPROXY_ENABLED")) return false;
  encoding_ = parse_auth_encoding(c.config().get_string("HTTPPROXY_AUTH_ENCODING"));
  environment_ = read_proxy_environment([](const char* name) { return std::getenv(name); }, encoding_);
  if (environment_.http) log::debug("http_proxy", "http:// URLs go through proxy {}", environment_.http->url);
  if (environment_.https) log::debug("http_proxy", "https:// URLs go through proxy {}", environment_.https->url);
  return true;
}

awaitable<request_action> http_proxy_middleware::process_request(request& r, spider&) {
  std::string unusable;
  try {
    route_through_proxy(r, environment_, encoding_);
  } catch (const std::invalid_argument& e) {
    unusable = e.what();
  }
  if (!unusable.empty()) {
    log::error("http_proxy", "Unusable meta proxy for <{} {}>: {}", r.method, r.url, unusable);
    co_return make_error_code(errc::bad_url);
  }
  if (const auto* proxy = r.meta.if_contains("proxy"); proxy && proxy->is_string() && !proxy->get_string().empty()) {
    log::debug("http_proxy", "<{} {}> through proxy {}", r.method, r.url, std::string_view(proxy->get_string()));
  }
  co_return pass;
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(http_proxy_middleware, "http_proxy", 750);

}  // namespace orbweaver::middlewares
