#pragma once
// One connection to Redis on the reactor: TCP, a Unix socket or TLS, driven by Asio coroutines
// (hiredis only encodes and parses). Commands from any number of coroutines are written in the
// order they are issued and their replies matched in that order (a FIFO of pending replies); one
// reader coroutine reads the socket. A reply later than command_timeout closes the connection,
// since the replies after it could no longer be matched: that command fails with errc::timeout,
// the others in flight with errc::connection_lost. A closed connection stays closed (the client
// opens a new one). Single-threaded: every call from the reactor thread.
#include "redis/config.hpp"
#include "redis/protocol.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <vector>

namespace orbweaver::redis {

class connection {
 public:
  // Connects, then AUTH (when the config has a password), SELECT (db other than 0) and PING in one
  // round trip, all within connect_timeout. Throws redis::error: connect_failed, auth_failed
  // (also when the server wants a password the config lacks), timeout, server_error.
  // `tls` is required for a TLS config (the client makes it with make_client_tls_context).
  static boost::asio::awaitable<std::unique_ptr<connection>> open(boost::asio::any_io_executor executor,
                                                                  const config& c,
                                                                  boost::asio::ssl::context* tls);
  ~connection();  // closes; commands still waiting fail with connection_lost
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // The command's reply; an error reply (kind::error) is a reply, not an exception. Throws
  // redis::error when the connection fails (timeout, connection_lost, protocol_error).
  boost::asio::awaitable<reply> exec(command c);
  // Every command written at once (a pipeline), every reply returned in order.
  boost::asio::awaitable<std::vector<reply>> exec_all(std::vector<command> commands);

  bool is_open() const;
  // Why the connection closed: errc::connection_lost, timeout or protocol_error and a sentence.
  const std::error_code& closed_by() const;
  const std::string& closed_because() const;
  void close();

  struct state;

 private:
  explicit connection(std::shared_ptr<state> s);
  std::shared_ptr<state> state_;
};

}  // namespace orbweaver::redis
