#pragma once
// The HTTP/1.1 client under the downloader: per-host keep-alive connection pools, TLS with
// certificate and host-name verification (SNI), a DNS cache, chunked and length-delimited bodies,
// and a timeout re-armed for each phase (resolve, connect, handshake, write, read).
// It knows nothing of slots, middlewares or spiders: one request in, one result out.
// A request whose meta "proxy" holds an http:// proxy URL goes through that proxy: http URLs as
// absolute-form requests to it, https URLs through a CONNECT tunnel with TLS to the origin inside.
// The request's Proxy-Authorization goes to the proxy: with the request for http, on the CONNECT
// (and never to the origin) for https. Pooled connections are kept apart by origin and proxy.
#include <orbweaver/headers.hpp>
#include <orbweaver/request.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace orbweaver::download {

struct client_options {
  std::string ca_file;          // extra CA bundle (PEM) trusted beside the system store
  bool verify_tls = true;       // certificate and host-name verification
  std::size_t max_idle_per_host = 16;
  std::chrono::seconds idle_timeout{60};     // idle pooled connections are closed after this
  std::chrono::seconds dns_cache_ttl{300};   // 0: no caching
  std::string user_agent_fallback = "orbweaver";  // only when the request has no User-Agent
};

struct fetch_limits {
  std::chrono::milliseconds timeout{180'000};  // per phase
  std::uint64_t maxsize = 1ull << 30;          // raw body bytes; 0 = unlimited
};

// Where a proxy URL points: "http://[user:password@]host[:port]", port 80 when absent. Its
// credentials are not read here (the http_proxy middleware turns them into Proxy-Authorization).
struct proxy_address {
  std::string host;       // lower case, without brackets: for the resolver
  std::uint16_t port = 0;
  std::string authority;  // host:port, brackets for IPv6
  std::error_code error;  // errc::bad_url or errc::unsupported_scheme; empty when usable
  std::string detail;     // on error, why; never the URL itself, which may hold a password
};
proxy_address parse_proxy_address(std::string_view proxy_url);

struct fetch_result {
  std::error_code error;       // orbweaver::errc values; empty on success
  std::string detail;          // on error: one line naming the phase and cause
  int status = 0;
  http_headers headers;
  std::string body;            // raw body as received (still content-encoded)
  std::string remote_ip;       // peer address the response came from (the proxy's, if any)
  std::uint64_t wire_bytes = 0;  // header + body bytes read from the socket
  bool reused_connection = false;
};

class http_client {
 public:
  http_client(boost::asio::any_io_executor executor, client_options options);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // Download one request. Never throws for network or protocol trouble: errors are in the result.
  boost::asio::awaitable<fetch_result> fetch(const request& r, fetch_limits limits);

  // Resolved address of a host (through the DNS cache), for CONCURRENT_REQUESTS_PER_IP slots.
  boost::asio::awaitable<std::string> resolve_ip(std::string host, std::string port,
                                                 std::chrono::milliseconds timeout);

  // Close every pooled connection and abort the transfers in progress: their fetch() completes
  // promptly with errc::cancelled (the engine abandoning a crawl on a second SIGINT).
  void close_all();

  std::uint64_t connections_opened() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace orbweaver::download
