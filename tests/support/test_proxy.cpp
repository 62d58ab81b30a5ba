#include "test_proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace orbweaver::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

constexpr std::uint64_t body_limit = 64 * 1024 * 1024;

std::string proxy_auth_required(bool close) {
  return std::string("HTTP/1.1 407 Proxy Authentication Required\r\n"
                     "Proxy-Authenticate: Basic realm=\"test proxy\"\r\n"
                     "Content-Length: 0\r\n") +
         (close ? "Connection: close\r\n\r\n" : "\r\n");
}

// The port of "host:port" (CONNECT's authority form); 0 when there is none.
unsigned short authority_port(std::string_view authority) {
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) return 0;
  unsigned value = 0;
  for (const char c : authority.substr(colon + 1)) {
    if (c < '0' || c > '9' || value > 65535) return 0;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535 ? static_cast<unsigned short>(value) : 0;
}

tcp::endpoint loopback(unsigned short port) { return {asio::ip::make_address("127.0.0.1"), port}; }

// Both ends of a tunnel, shared by the two relays so that neither outlives the sockets.
struct tunnel_ends {
  tcp::socket client;
  tcp::socket origin;
};

// Copies bytes one way until that side closes, then passes the end of stream on.
asio::awaitable<void> relay(std::shared_ptr<tunnel_ends> ends, bool client_to_origin) {
  tcp::socket& from = client_to_origin ? ends->client : ends->origin;
  tcp::socket& to = client_to_origin ? ends->origin : ends->client;
  std::array<char, 16 * 1024> chunk;
  while (true) {
    const auto [read_error, n] = co_await from.async_read_some(asio::buffer(chunk), nothrow);
    if (n > 0) {
      const auto [write_error, written] = co_await asio::async_write(to, asio::buffer(chunk.data(), n), nothrow);
      if (write_error) break;
    }
    if (read_error) break;
  }
  boost::system::error_code ignored;
  to.shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

struct test_proxy::impl {
  explicit impl(options o) : opts(std::move(o)) {
    acceptor.emplace(ioc, loopback(0));
    port = acceptor->local_endpoint().port();
    asio::co_spawn(ioc, accept_loop(), asio::detached);
    thread = std::thread([this] { ioc.run(); });
  }

  // As test_server: stopping the io_context abandons every connection where it stands, and
  // destroying it destroys their coroutine frames, which close the sockets.
  ~impl() {
    ioc.stop();
    thread.join();
    acceptor.reset();
  }

  asio::awaitable<void> accept_loop() {
    while (true) {
      auto [ec, socket] = co_await acceptor->async_accept(nothrow);
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      if (ec) continue;
      ++accepted;
      asio::co_spawn(ioc, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket client) {
    beast::flat_buffer buffer;
    while (true) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(body_limit);
      const auto [read_error, n] = co_await http::async_read(client, buffer, parser, nothrow);
      if (read_error) co_return;
      http::request<http::string_body>& message = parser.get();
      const bool is_connect = message.method() == http::verb::connect;
      record(proxy_request{std::string(message.method_string()), std::string(message.target()),
                           std::string(message[http::field::proxy_authorization])});
      if (opts.stall) {
        co_await wait_for_close(client);
        co_return;
      }
      if (!opts.required_authorization.empty() &&
          message[http::field::proxy_authorization] != opts.required_authorization) {
        const std::string refusal = proxy_auth_required(is_connect);
        const auto [write_error, written] = co_await asio::async_write(client, asio::buffer(refusal), nothrow);
        if (write_error || is_connect) co_return;
        continue;
      }
      if (is_connect) {
        // Named first: GCC 12 destroys temporaries inside a co_await expression twice.
        auto tunnelling = tunnel(std::move(client), authority_port(message.target()), buffer);
        co_await std::move(tunnelling);
        co_return;
      }
      if (!co_await forward(client, message)) co_return;
    }
  }

  // Holds the connection without a word until the client closes it.
  static asio::awaitable<void> wait_for_close(tcp::socket& client) {
    std::array<char, 512> ignored;
    while (true) {
      const auto [ec, n] = co_await client.async_read_some(asio::buffer(ignored), nothrow);
      if (ec) co_return;
    }
  }

  // Sends an absolute-form request on to the origin in origin form, over a connection of its own,
  // and the answer back (502 when the origin cannot be reached). False when the client's
  // connection is done.
  asio::awaitable<bool> forward(tcp::socket& client, http::request<http::string_body>& message) {
    const bool keep_alive = message.keep_alive();
    const bool head = message.method() == http::verb::head;
    std::optional<http::response<http::string_body>> answer;
    if (const auto url = boost::urls::parse_uri(message.target())) {
      tcp::socket origin(ioc);
      const tcp::endpoint origin_address = loopback(url->port_number() ? url->port_number() : 80);
      const auto [connect_error] = co_await origin.async_connect(origin_address, nothrow);
      if (!connect_error) {
        std::string target = url->encoded_path().empty() ? "/" : std::string(url->encoded_path());
        if (url->has_query()) target.append("?").append(url->encoded_query());
        message.target(target);
        message.erase(http::field::proxy_authorization);
        message.keep_alive(false);
        answer = co_await exchange_with_origin(origin, message, head);
      }
    }
    if (!answer) {
      answer.emplace(http::status::bad_gateway, 11);
      answer->prepare_payload();
    }
    answer->keep_alive(keep_alive);
    const auto [write_error, written] = co_await http::async_write(client, *answer, nothrow);
    co_return keep_alive && !write_error;
  }

  static asio::awaitable<std::optional<http::response<http::string_body>>> exchange_with_origin(
      tcp::socket& origin, http::request<http::string_body>& message, bool head) {
    const auto [write_error, written] = co_await http::async_write(origin, message, nothrow);
    if (write_error) co_return std::nullopt;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    parser.skip(head);
    const auto [read_error, n] = co_await http::async_read(origin, buffer, parser, nothrow);
    if (read_error) co_return std::nullopt;
    co_return parser.release();
  }

  // Answers CONNECT and relays bytes between the client and 127.0.0.1:port until both close.
  asio::awaitable<void> tunnel(tcp::socket client, unsigned short port, beast::flat_buffer& early) {
    auto ends = std::make_shared<tunnel_ends>(tunnel_ends{std::move(client), tcp::socket(ioc)});
    const tcp::endpoint origin_address = loopback(port);
    const auto [connect_error] = co_await ends->origin.async_connect(origin_address, nothrow);
    const std::string answer = connect_error
                                   ? "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                   : "HTTP/1.1 200 Connection established\r\n\r\n";
    // Counted before the answer goes out: the client may act on it before this thread resumes.
    if (!connect_error) ++tunnels;
    const auto [answer_error, answered] = co_await asio::async_write(ends->client, asio::buffer(answer), nothrow);
    if (connect_error || answer_error) co_return;
    // Whatever the client sent after its CONNECT already belongs to the origin.
    if (early.size() != 0) {
      const auto [early_error, sent] = co_await asio::async_write(ends->origin, early.data(), nothrow);
      if (early_error) co_return;
    }
    asio::co_spawn(ioc, relay(ends, true), asio::detached);
    auto origin_to_client = relay(ends, false);
    co_await std::move(origin_to_client);
  }

  void record(proxy_request seen) {
    std::lock_guard lock(requests_mutex);
    received.push_back(std::move(seen));
  }

  options opts;
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> tunnels{0};
  mutable std::mutex requests_mutex;
  std::vector<proxy_request> received;

  // Declared after everything the connections use, so it is destroyed (with their coroutine
  // frames) before those.
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  unsigned short port = 0;
  std::thread thread;
};

test_proxy::test_proxy() : test_proxy(options{}) {}

test_proxy::test_proxy(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}

test_proxy::~test_proxy() = default;

unsigned short test_proxy::port() const { return impl_->port; }

std::string test_proxy::url(std::string_view credentials) const {
  std::string out = "http://";
  if (!credentials.empty()) out.append(credentials).append("@");
  return out + "127.0.0.1:" + std::to_string(impl_->port);
}

std::size_t test_proxy::connections_accepted() const { return impl_->accepted; }

std::vector<proxy_request> test_proxy::requests() const {
  std::lock_guard lock(impl_->requests_mutex);
  return impl_->received;
}

std::size_t test_proxy::forwarded_count() const {
  const auto all = requests();
  return static_cast<std::size_t>(
      std::count_if(all.begin(), all.end(), [](const proxy_request& r) { return r.method != "CONNECT"; }));
}

std::size_t test_proxy::connect_count() const { return requests().size() - forwarded_count(); }

std::size_t test_proxy::tunnels_opened() const { return impl_->tunnels; }

}  // namespace orbweaver::testing
