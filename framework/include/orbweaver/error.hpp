#pragma once
// The project's own error codes: every failure inside I/O travels as a std::error_code of this
// category, and its short name is the key under which the stats count it. And value_error, what a
// spider's reads throw when a value it expects is not there.
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace orbweaver {

enum class errc {
  bad_url = 1,          // the URL does not parse or has no host
  unsupported_scheme,   // not http or https
  dns_failed,           // the host name did not resolve
  connect_failed,       // TCP connection refused or unreachable
  tls_failed,           // TLS handshake or certificate verification failed
  download_timeout,     // a phase of the download exceeded its timeout
  connection_closed,    // the peer closed or reset the connection mid-exchange
  protocol_error,       // malformed HTTP from the peer
  body_too_large,       // the body exceeded DOWNLOAD_MAXSIZE
  decode_failed,        // the content encoding (gzip, deflate, br, zstd) could not be decoded
  offsite,              // the request's host is outside the spider's allowed domains
  robots_blocked,       // robots.txt forbids the URL
  http_error,           // a non-2xx response that the spider did not allow
  depth_exceeded,       // DEPTH_LIMIT reached
  dropped,              // a middleware or pipeline dropped it
  cancelled,            // the crawl is shutting down
  callback_failed,      // the spider's callback threw
  component_failed,     // a middleware or pipeline threw
  redirect_loop,        // a redirect led back to a URL of its own chain
  too_many_redirects,   // REDIRECT_MAX_TIMES reached
  url_too_long,         // the URL exceeds URLLENGTH_LIMIT
  proxy_failed,         // the proxy did not open a CONNECT tunnel (a non-2xx answer)
  header_too_large,     // the response header exceeds its size or field-count limit
  not_cached,           // HTTPCACHE_IGNORE_MISSING: the request is not in the HTTP cache
  render_timeout,       // a rendered page did not settle (load, selector, network idle) in time
  browser_timeout,      // the browser did not answer a DevTools call in time
  browser_lost,         // the browser could not start, crashed, or closed its DevTools connection
  browser_error,        // the browser answered a DevTools call with an error
};

const std::error_category& error_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// A short stable name for stats keys and log lines: "download_timeout", or for errors of other
// categories "<category>:<value>".
std::string error_name(std::error_code ec);

// A value a spider asked for is missing or is not of the type it asked for: a cb_kwarg or meta
// key (request::cb_kwarg<T>, request::meta_value<T>), JSON text that does not parse
// (parse_json), a selection that matched nothing (empty_selection, selector.hpp). The message
// names what was asked for, the type expected and what was there.
struct value_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace orbweaver

template <>
struct std::is_error_code_enum<orbweaver::errc> : std::true_type {};
