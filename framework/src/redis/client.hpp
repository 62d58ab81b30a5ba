#pragma once
// The Redis client the framework uses: one connection (redis::connection) that comes back by
// itself. When the connection is lost the client logs it once ("Redis at HOST:PORT db N
// unavailable: WHY; retrying"), reconnects with capped exponential backoff and jitter
// (reconnect_min doubling up to reconnect_max), and logs its return once. Commands issued while
// it is down wait for it, at most retry_timeout, then fail with errc::unavailable.
//
// Commands in flight when the connection dropped fail with errc::connection_lost (or timeout, for
// the one whose reply was late): the server may or may not have run them, and the client never
// replays them. Whoever builds a protocol on this client must make each step idempotent, or
// atomic and checkable (a Lua script that can be run twice), and retry it after such an error.
//
// Single-threaded: every call from the reactor thread; commands from many coroutines at once are
// pipelined on the one connection in the order they were issued.
#include "redis/config.hpp"
#include "redis/protocol.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace orbweaver::redis {

class client {
 public:
  // Does not connect yet. Throws std::runtime_error when a TLS config's ca_file cannot be loaded.
  client(boost::asio::any_io_executor executor, config c);
  ~client();  // closes the connection; commands still waiting fail with connection_lost
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Connects now, once, without retrying, so that a crawl can refuse to start (exit 2) before
  // any request: throws redis::error with a message naming the server and the cause (auth_failed
  // for a wrong password, connect_failed for an unreachable server, timeout).
  boost::asio::awaitable<void> check();

  // As connection::exec and exec_all, waiting for a server that is down (see above).
  boost::asio::awaitable<reply> exec(command c);
  boost::asio::awaitable<std::vector<reply>> exec_all(std::vector<command> commands);

  const config& settings() const;
  bool connected() const;
  std::uint64_t reconnects() const;  // times the connection came back after an outage

  struct state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace orbweaver::redis
