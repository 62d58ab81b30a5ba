#include "download/http_client.hpp"
#include "core/text.hpp"

#include "download/connection_pool.hpp"
#include "download/dns_cache.hpp"
#include "download/tls_context.hpp"

#include <orbweaver/error.hpp>
#include <orbweaver/url.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <optional>
#include <unordered_set>

namespace orbweaver::download {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace urls = boost::urls;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// Room for the long Set-Cookie and Content-Security-Policy fields some sites send, while a
// hostile server still cannot make us buffer a header without end.
constexpr std::uint32_t response_header_limit = 128 * 1024;
// Beast counts header bytes, not fields; thousands of tiny fields are as hostile (Node.js stops at
// 2,000 too).
constexpr std::size_t response_field_limit = 2000;

// Read buffer of each connection, kept across its requests.
constexpr std::size_t read_buffer_size = 64 * 1024;

// Where a request goes, taken from its URL.
struct origin_target {
  bool tls = false;
  std::string host;         // for the resolver and the certificate check: no brackets
  std::uint16_t port = 0;
  std::string authority;    // host:port, for messages
  std::string host_header;  // the Host field: brackets for IPv6, port only when not the default
  std::string target;       // path and query
  std::string origin;       // scheme://host:port
};

// How a request reaches its origin: straight, through a proxy that forwards absolute-form
// requests (http), or through a tunnel that the proxy opens with CONNECT (https).
enum class route_kind { direct, forward, tunnel };

struct route {
  route_kind kind = route_kind::direct;
  std::string dial_host;     // where the TCP connection goes: the origin or the proxy
  std::uint16_t dial_port = 0;
  std::string dial_name;     // that end in messages: "host:port" or "proxy host:port"
  std::string peer;          // the other end of the exchange in messages, proxy included
  std::string proxy_authorization;  // tunnel only: sent on the CONNECT, withheld from the origin
  // Pooled connections are told apart by all that makes one unusable for another request: a
  // direct connection or a tunnel serves one origin, a forwarding proxy serves every http origin,
  // and a tunnel was opened with one Proxy-Authorization (Scrapy keys its tunnels the same way).
  std::string pool_key;
};

void fail(fetch_result& result, errc code, std::string detail) {
  result.error = make_error_code(code);
  result.detail = std::move(detail);
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

bool parse_target(std::string_view address, origin_target& t, fetch_result& result) {
  // The request URL is the WHATWG serialisation url::normalize wrote (engine::schedule): its parts
  // are read as they are, so the host resolved here is the host offsite and robots.txt checked.
  const auto parts = url::split(address);
  if (!parts || parts->port == 0) {
    fail(result, address.starts_with("http://") || address.starts_with("https://") ||
                     address.find(':') == std::string_view::npos
                     ? errc::bad_url
                     : errc::unsupported_scheme,
         fmt::format("cannot request URL {}", address));
    return false;
  }
  t.tls = parts->https;
  t.host = parts->host.starts_with('[') ? std::string(parts->host.substr(1, parts->host.size() - 2))
                                        : std::string(parts->host);
  t.port = parts->port;
  t.host_header = std::string(parts->authority);
  t.authority = fmt::format("{}:{}", parts->host, t.port);
  t.target = std::string(parts->target);
  t.origin = fmt::format("{}://{}", t.tls ? "https" : "http", t.authority);
  return true;
}

bool choose_route(const request& r, const origin_target& t, route& way, fetch_result& result) {
  const json::value* proxy = r.meta.if_contains("proxy");
  const bool proxied =
      proxy && !proxy->is_null() && !(proxy->is_string() && proxy->get_string().empty());
  if (!proxied) {
    way.dial_host = t.host;
    way.dial_port = t.port;
    way.dial_name = t.authority;
    way.peer = t.authority;
    way.pool_key = t.origin;
    return true;
  }
  if (!proxy->is_string()) {
    fail(result, errc::bad_url, "meta proxy is neither a URL string, \"\" nor null");
    return false;
  }
  proxy_address address = parse_proxy_address(proxy->get_string());
  if (address.error) {
    result.error = address.error;
    result.detail = std::move(address.detail);
    return false;
  }
  way.dial_host = std::move(address.host);
  way.dial_port = address.port;
  way.dial_name = "proxy " + address.authority;
  way.peer = fmt::format("{} through proxy {}", t.authority, address.authority);
  if (t.tls) {
    way.kind = route_kind::tunnel;
    way.proxy_authorization = r.headers.get("Proxy-Authorization").value_or("");
    way.pool_key = fmt::format("{} through {} as {}", t.origin, address.authority,
                               way.proxy_authorization);
  } else {
    way.kind = route_kind::forward;
    way.pool_key = "http through " + address.authority;
  }
  return true;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool is_field_value(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Why the request cannot be sent as it is (a line break in a field would split the message),
// or empty when it can.
std::string invalid_request_reason(const request& r) {
  if (!is_token(r.method)) return fmt::format("invalid method {:?}", r.method);
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name)) return fmt::format("invalid header name {:?}", name);
    if (!is_field_value(value)) return fmt::format("invalid value for header {}", name);
  }
  return {};
}

// Framing fields are the client's business: they are computed here, never copied.
bool is_framing_field(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding");
}

bool sends_content_length(const request& r) {
  return !r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH";
}

// Writes the request line and fields into the connection's reusable buffer.
void serialize_head(const request& r, const origin_target& t, const route& way,
                    std::string_view user_agent_fallback, std::string& out) {
  out.clear();
  out.append(r.method).append(" ");
  // A forwarding proxy reads the origin from the request line: the absolute form (RFC 9112 3.2.2).
  if (way.kind == route_kind::forward) out.append("http://").append(t.host_header);
  out.append(t.target).append(" HTTP/1.1\r\n");
  if (!r.headers.contains("Host")) out.append("Host: ").append(t.host_header).append("\r\n");
  if (!r.headers.contains("User-Agent") && !user_agent_fallback.empty()) {
    out.append("User-Agent: ").append(user_agent_fallback).append("\r\n");
  }
  for (const auto& [name, value] : r.headers) {
    if (is_framing_field(name)) continue;
    // The proxy had its credentials on the CONNECT; the origin at the other end must not see them.
    if (way.kind == route_kind::tunnel && iequals(name, "Proxy-Authorization")) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (sends_content_length(r)) {
    out.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n");
  }
  out.append("\r\n");
}

bool asks_to_close(const request& r) {
  const auto value = r.headers.get("Connection");
  return value && iequals(*value, "close");
}

void arm(plain_stream& stream, std::chrono::milliseconds timeout) {
  if (timeout.count() > 0) {
    stream.expires_after(timeout);
  } else {
    stream.expires_never();
  }
}

bool is_closed_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == asio::ssl::error::stream_truncated;
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == make_error_code(http::error::end_of_stream).category();
}

// Maps an error while exchanging messages to one of ours, with a line naming the phase.
void fail_exchange(fetch_result& result, const beast::error_code& ec, std::string_view phase,
                   std::string_view peer, const fetch_limits& limits,
                   boost::optional<std::uint64_t> content_length) {
  if (ec == beast::error::timeout) {
    fail(result, errc::download_timeout,
         fmt::format("timed out {} from {} after {} ms", phase, peer, limits.timeout.count()));
  } else if (ec == http::error::header_limit) {
    fail(result, errc::header_too_large,
         fmt::format("response header from {} exceeds {} bytes", peer, response_header_limit));
  } else if (ec == http::error::body_limit) {
    fail(result, errc::body_too_large,
         content_length && *content_length > limits.maxsize
             ? fmt::format("Content-Length {} from {} exceeds maxsize of {} bytes", *content_length,
                           peer, limits.maxsize)
             : fmt::format("body from {} exceeds maxsize of {} bytes", peer, limits.maxsize));
  } else if (is_closed_error(ec)) {
    fail(result, errc::connection_closed,
         fmt::format("connection to {} closed while {}: {}", peer, phase, ec.message()));
  } else if (is_http_error(ec)) {
    fail(result, errc::protocol_error,
         fmt::format("malformed response from {} while {}: {}", peer, phase, ec.message()));
  } else {
    fail(result, errc::connection_closed,
         fmt::format("connection to {} failed while {}: {}", peer, phase, ec.message()));
  }
}

enum class exchange_end {
  reusable,     // response complete and the connection may carry another request
  finished,     // response complete, connection not reusable
  failed,       // result holds the error
  retry_fresh,  // a reused connection turned out closed before any response byte
};

using response_parser = http::response_parser<http::string_body>;

void prepare_parser(std::optional<response_parser>& parser, const request& r,
                    const fetch_limits& limits) {
  parser.emplace();
  parser->header_limit(response_header_limit);
  parser->body_limit(limits.maxsize != 0 ? boost::optional<std::uint64_t>(limits.maxsize)
                                         : boost::none);
  if (r.method == "HEAD") parser->skip(true);
}

// Writes one request and reads its response on an open connection.
template <class Stream>
asio::awaitable<exchange_end> exchange(Stream& stream, connection& conn, const request& r,
                                       std::string_view peer, const fetch_limits& limits,
                                       bool reused, fetch_result& result) {
  arm(conn.tcp(), limits.timeout);
  const std::array<asio::const_buffer, 2> message{asio::buffer(conn.request_head),
                                                  asio::buffer(r.body)};
  const auto [write_error, written] = co_await asio::async_write(stream, message, nothrow);
  if (write_error) {
    if (reused && is_closed_error(write_error)) co_return exchange_end::retry_fresh;
    fail_exchange(result, write_error, "writing the request", peer, limits, boost::none);
    co_return exchange_end::failed;
  }

  std::optional<response_parser> parser;
  prepare_parser(parser, r, limits);
  while (true) {
    arm(conn.tcp(), limits.timeout);
    const auto [ec, n] = co_await http::async_read_header(stream, conn.buffer, *parser, nothrow);
    result.wire_bytes += n;
    if (ec) {
      if (reused && result.wire_bytes == 0 && conn.buffer.size() == 0 && is_closed_error(ec)) {
        co_return exchange_end::retry_fresh;
      }
      fail_exchange(result, ec, "reading the response header", peer, limits,
                    parser->is_header_done() ? parser->content_length() : boost::none);
      co_return exchange_end::failed;
    }
    const auto& header = parser->get();
    if (const auto fields = std::distance(header.begin(), header.end());
        fields > static_cast<std::ptrdiff_t>(response_field_limit)) {
      fail(result, errc::header_too_large,
           fmt::format("response header from {} has {} fields, more than {}", peer, fields,
                       response_field_limit));
      co_return exchange_end::failed;
    }
    const int status = header.result_int();
    if (status / 100 != 1 || status == 101) break;
    prepare_parser(parser, r, limits);  // interim 1xx (100 Continue, 103 Early Hints)
  }

  if (!parser->is_done()) {
    arm(conn.tcp(), limits.timeout);
    auto [ec, n] = co_await http::async_read(stream, conn.buffer, *parser, nothrow);
    result.wire_bytes += n;
    // A TLS peer that ends a close-delimited body without close_notify: the body is as complete
    // as it will ever be, as browsers and curl accept.
    if (ec == asio::ssl::error::stream_truncated && parser->need_eof()) parser->put_eof(ec);
    if (ec) {
      fail_exchange(result, ec, "reading the response body", peer, limits,
                    parser->content_length());
      co_return exchange_end::failed;
    }
  }
  conn.tcp().expires_never();

  auto& message_in = parser->get();
  result.status = message_in.result_int();
  for (const auto& field : message_in) result.headers.add(field.name_string(), field.value());
  result.body = std::move(message_in.body());
  const bool reusable = message_in.keep_alive() && !parser->need_eof() &&
                        conn.buffer.size() == 0 && result.status != 101 && !asks_to_close(r);
  co_return reusable ? exchange_end::reusable : exchange_end::finished;
}

// Asks the proxy for a tunnel to the origin (RFC 9110 9.3.6); the TLS handshake with the origin
// then runs inside it.
asio::awaitable<bool> open_tunnel(connection& conn, const origin_target& t, const route& way,
                                  const fetch_limits& limits, fetch_result& result) {
  std::string& head = conn.request_head;
  head.assign("CONNECT ").append(t.authority).append(" HTTP/1.1\r\n");
  head.append("Host: ").append(t.authority).append("\r\n");
  if (!way.proxy_authorization.empty()) {
    head.append("Proxy-Authorization: ").append(way.proxy_authorization).append("\r\n");
  }
  head.append("\r\n");
  plain_stream& tcp = conn.tcp();
  arm(tcp, limits.timeout);
  const auto [write_error, written] = co_await asio::async_write(tcp, asio::buffer(head), nothrow);
  if (write_error) {
    fail_exchange(result, write_error, "sending CONNECT", way.peer, limits, boost::none);
    co_return false;
  }

  // A 2xx answer to CONNECT has no body: what follows its header belongs to the tunnel.
  http::response_parser<http::empty_body> parser;
  parser.header_limit(response_header_limit);
  parser.skip(true);
  arm(tcp, limits.timeout);
  const auto [read_error, header_bytes] =
      co_await http::async_read_header(tcp, conn.buffer, parser, nothrow);
  if (read_error) {
    fail_exchange(result, read_error, "reading the answer to CONNECT", way.peer, limits,
                  boost::none);
    co_return false;
  }
  const auto& answer = parser.get();
  if (answer.result_int() / 100 != 2) {
    fail(result, errc::proxy_failed,
         fmt::format("{} refused CONNECT to {}: {} {}", way.dial_name, t.authority,
                     answer.result_int(), std::string_view(answer.reason())));
    co_return false;
  }
  // The origin speaks only after our ClientHello: earlier bytes cannot be part of its TLS.
  if (conn.buffer.size() != 0) {
    fail(result, errc::protocol_error,
         fmt::format("{} sent bytes after its answer to CONNECT to {}", way.dial_name,
                     t.authority));
    co_return false;
  }
  co_return true;
}

using connection_set = std::unordered_set<connection*>;

// Marks a connection as carrying a fetch for as long as the fetch uses it, so that close_all()
// can close its socket and make the fetch finish at once. The set is shared with the client
// because a suspended fetch may be destroyed after it (by an io_context destroyed later).
class in_use_mark {
 public:
  in_use_mark(std::shared_ptr<connection_set> in_use, connection& conn)
      : in_use_(std::move(in_use)), conn_(conn) {
    in_use_->insert(&conn_);
  }
  ~in_use_mark() { in_use_->erase(&conn_); }
  in_use_mark(const in_use_mark&) = delete;
  in_use_mark& operator=(const in_use_mark&) = delete;

 private:
  std::shared_ptr<connection_set> in_use_;
  connection& conn_;
};

}  // namespace

struct http_client::impl {
  impl(asio::any_io_executor ex, client_options opts)
      : executor(std::move(ex)),
        options(std::move(opts)),
        tls(make_client_tls_context(options.ca_file, options.verify_tls)),
        dns(executor, options.dns_cache_ttl),
        pool(options.max_idle_per_host, options.idle_timeout) {}

  asio::awaitable<fetch_result> fetch(const request& r, fetch_limits limits);
  asio::awaitable<bool> establish(connection& conn, const endpoint_list& endpoints,
                                  const origin_target& t, const route& way,
                                  const fetch_limits& limits, fetch_result& result);
  std::unique_ptr<connection> new_connection(bool tls_wanted);
  void close_all();

  asio::any_io_executor executor;
  client_options options;
  asio::ssl::context tls;
  dns_cache dns;
  connection_pool pool;
  std::shared_ptr<connection_set> in_use = std::make_shared<connection_set>();
  // close_all() calls so far: a fetch that sees this change while it runs was aborted.
  std::uint64_t closings = 0;
  std::uint64_t connections_opened = 0;
};

asio::awaitable<fetch_result> http_client::impl::fetch(const request& r, fetch_limits limits) {
  fetch_result result;
  origin_target t;
  if (!parse_target(r.url, t, result)) co_return result;
  if (auto reason = invalid_request_reason(r); !reason.empty()) {
    fail(result, errc::protocol_error, fmt::format("refusing to send request: {}", reason));
    co_return result;
  }
  route way;
  if (!choose_route(r, t, way, result)) co_return result;

  const std::uint64_t closings_at_start = closings;
  const auto aborted = [&] { return closings != closings_at_start; };
  bool may_reuse = true;
  while (true) {
    std::unique_ptr<connection> conn = may_reuse ? pool.checkout(way.pool_key) : nullptr;
    const bool reused = conn != nullptr;
    std::shared_ptr<const endpoint_list> endpoints;
    if (!reused) {
      lookup_result lookup = co_await dns.resolve(way.dial_host, way.dial_port, limits.timeout);
      if (lookup.error) {
        result.error = lookup.error;
        result.detail = way.kind == route_kind::direct
                            ? std::move(lookup.detail)
                            : fmt::format("{}: {}", way.dial_name, lookup.detail);
        break;
      }
      endpoints = std::move(lookup.endpoints);
      conn = new_connection(t.tls);
    }
    const in_use_mark mark(in_use, *conn);
    if (!reused && !co_await establish(*conn, *endpoints, t, way, limits, result)) break;

    serialize_head(r, t, way, options.user_agent_fallback, conn->request_head);
    const exchange_end end = co_await conn->visit([&](auto& stream) {
      return exchange(stream, *conn, r, way.peer, limits, reused, result);
    });
    if (end == exchange_end::retry_fresh) {
      if (!aborted()) {
        // The server closed the idle connection as we reused it: once more on a new one.
        result = fetch_result{};
        may_reuse = false;
        continue;
      }
      fail(result, errc::connection_closed,
           fmt::format("reused connection to {} closed before the response", way.peer));
      break;
    }
    result.remote_ip = conn->remote_ip;
    result.reused_connection = reused;
    if (end == exchange_end::reusable && !aborted()) pool.checkin(way.pool_key, std::move(conn));
    break;
  }
  if (result.error && aborted()) {
    const std::string cause = std::move(result.detail);
    result = fetch_result{};
    fail(result, errc::cancelled, fmt::format("download of {} aborted: the client was closed ({})",
                                              r.url, cause));
  }
  co_return result;
}

std::unique_ptr<connection> http_client::impl::new_connection(bool tls_wanted) {
  auto conn = tls_wanted ? std::make_unique<connection>(executor, tls)
                         : std::make_unique<connection>(executor);
  // Room for a typical page per read: a flat_buffer left to grow by itself stays at 512 bytes
  // (the parser empties it into the body), which costs one system call per 512 bytes.
  conn->buffer.reserve(read_buffer_size);
  return conn;
}

// Connects a new connection, opens its tunnel through a proxy, and for https completes the TLS
// handshake with the origin.
asio::awaitable<bool> http_client::impl::establish(connection& conn,
                                                   const endpoint_list& endpoints,
                                                   const origin_target& t, const route& way,
                                                   const fetch_limits& limits,
                                                   fetch_result& result) {
  plain_stream& tcp = conn.tcp();
  arm(tcp, limits.timeout);
  const auto [connect_error, endpoint] = co_await tcp.async_connect(endpoints, nothrow);
  if (connect_error == beast::error::timeout) {
    fail(result, errc::download_timeout,
         fmt::format("timed out connecting to {} after {} ms", way.dial_name,
                     limits.timeout.count()));
    co_return false;
  }
  if (connect_error) {
    fail(result, errc::connect_failed,
         fmt::format("cannot connect to {}: {}", way.dial_name, connect_error.message()));
    co_return false;
  }
  ++connections_opened;
  beast::error_code ignored;
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  conn.remote_ip = endpoint.address().to_string();
  if (way.kind == route_kind::tunnel && !co_await open_tunnel(conn, t, way, limits, result)) {
    co_return false;
  }

  if (auto* stream = std::get_if<tls_stream>(&conn.stream)) {
    if (const auto ec = prepare_client_session(stream->native_handle(), t.host, options.verify_tls)) {
      fail(result, errc::tls_failed,
           fmt::format("cannot set up TLS for {}: {}", way.peer, ec.message()));
      co_return false;
    }
    arm(tcp, limits.timeout);
    const auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::client, nothrow);
    if (ec == beast::error::timeout) {
      fail(result, errc::download_timeout,
           fmt::format("timed out in the TLS handshake with {} after {} ms", way.peer,
                       limits.timeout.count()));
      co_return false;
    }
    if (ec) {
      fail(result, errc::tls_failed,
           fmt::format("TLS handshake with {} failed: {}", way.peer,
                       handshake_failure_reason(stream->native_handle(), ec)));
      co_return false;
    }
  }
  co_return true;
}

// Idle connections are dropped; connections carrying a fetch are closed under it, and lookups
// being waited for are abandoned, so every fetch in progress ends now with errc::cancelled.
void http_client::impl::close_all() {
  ++closings;
  pool.close_all();
  dns.abandon_waiters();
  for (connection* conn : *in_use) conn->tcp().close();
}

proxy_address parse_proxy_address(std::string_view proxy_url) {
  proxy_address address;
  const auto refuse = [&address](errc code, std::string why) {
    address.error = make_error_code(code);
    address.detail = std::move(why);
    return address;
  };
  const auto parsed = urls::parse_uri(proxy_url);
  if (!parsed) {
    return refuse(errc::bad_url, "the proxy URL does not parse (expected http://host:port)");
  }
  const urls::url_view& u = *parsed;
  if (u.scheme_id() != urls::scheme::http) {
    return refuse(errc::unsupported_scheme,
                  fmt::format("proxy scheme {} is not supported: only http:// proxies",
                              u.scheme()));
  }
  if (!u.has_authority() || u.encoded_host().empty() ||
      u.host_type() == urls::host_type::ipvfuture) {
    return refuse(errc::bad_url, "the proxy URL has no usable host");
  }
  address.port = 80;
  if (u.has_port() && !u.port().empty()) {
    const auto port = parse_port(u.port());
    if (!port) return refuse(errc::bad_url, "the proxy URL has a bad port");
    address.port = *port;
  }
  address.host = text::ascii_lowered(u.host_address());
  address.authority = fmt::format("{}:{}", text::ascii_lowered(u.encoded_host()), address.port);
  return address;
}

http_client::http_client(asio::any_io_executor executor, client_options options)
    : impl_(std::make_unique<impl>(std::move(executor), std::move(options))) {}

http_client::~http_client() = default;

asio::awaitable<fetch_result> http_client::fetch(const request& r, fetch_limits limits) {
  return impl_->fetch(r, limits);
}

asio::awaitable<std::string> http_client::resolve_ip(std::string host, std::string port,
                                                     std::chrono::milliseconds timeout) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const auto port_number = parse_port(port);
  if (!port_number || host.empty()) co_return std::string();
  const lookup_result lookup = co_await impl_->dns.resolve(text::ascii_lowered(host), *port_number, timeout);
  if (lookup.error) co_return std::string();
  co_return lookup.endpoints->front().address().to_string();
}

void http_client::close_all() { impl_->close_all(); }

std::uint64_t http_client::connections_opened() const { return impl_->connections_opened; }

}  // namespace orbweaver::download
