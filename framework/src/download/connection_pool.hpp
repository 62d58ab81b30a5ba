#pragma once
// Open HTTP/1.1 connections and the pools of idle ones that the client reuses, one pool per key.
// The client makes the key (the origin, and the proxy when there is one) so that a connection is
// only ever reused for requests it can carry. Single-threaded: every call must come from the
// reactor thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace orbweaver::download {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

struct connection {
  explicit connection(boost::asio::any_io_executor executor);  // http
  connection(boost::asio::any_io_executor executor, boost::asio::ssl::context& tls);  // https

  plain_stream& tcp();
  // Calls f with the plain or TLS stream.
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), stream);
  }

  std::variant<plain_stream, tls_stream> stream;
  boost::beast::flat_buffer buffer;   // read buffer, kept across requests
  std::string request_head;           // serialised request line and fields, reused
  std::string remote_ip;
  std::chrono::steady_clock::time_point idle_since;
};

class connection_pool {
 public:
  connection_pool(std::size_t max_idle_per_key, std::chrono::seconds idle_timeout);

  // The most recently used idle connection of the key that still looks usable, or null.
  // Connections idle too long, closed by the peer, or holding unexpected bytes are dropped.
  std::unique_ptr<connection> checkout(const std::string& key);
  // Keeps a connection whose last response was fully read and allowed keep-alive. The oldest
  // idle connection of the key is closed when it already holds max_idle_per_key.
  void checkin(const std::string& key, std::unique_ptr<connection> conn);
  void close_all();

 private:
  void sweep_if_due(std::chrono::steady_clock::time_point now);

  std::size_t max_idle_per_key_;
  std::chrono::seconds idle_timeout_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<connection>>> idle_;
  std::chrono::steady_clock::time_point next_sweep_;
};

}  // namespace orbweaver::download
