#pragma once
// The dashboard's HTTP server, on the crawl's reactor: "/" (the page), "/stats" (JSON) and
// "/events" (the same JSON as Server-Sent Events, every second), a bounded number of connections
// at once, every request checked against the token when there is one. stop() closes the listening
// socket and every connection; an /events client first gets the numbers once more, the last event.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace orbweaver::dashboard {

// True when the request carries the token as ?token= in `target` or as "Bearer TOKEN" in
// `authorization`; always true when `token` is empty (a dashboard on loopback).
bool authorized(std::string_view target, std::string_view authorization, std::string_view token);

// A token of 32 hexadecimal digits from the system's random source.
std::string new_token();

struct server_state;

class server {
 public:
  struct options {
    std::string host = "127.0.0.1";
    unsigned short port = 0;  // 0: a free one (port() tells which)
    std::string token;        // empty: no token asked
    std::size_t max_connections = 32;
    std::chrono::steady_clock::duration event_interval = std::chrono::seconds(1);
  };
  // Binds at once; throws boost::system::system_error when the address cannot be listened on.
  // `numbers` gives the JSON text of /stats, `page` the HTML of "/".
  server(boost::asio::any_io_executor executor, options opts, std::function<std::string()> numbers,
         std::function<std::string()> page);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  unsigned short port() const;
  void start();
  // Returns when every /events client has its last event, or after 2 seconds.
  boost::asio::awaitable<void> stop();

 private:
  std::shared_ptr<server_state> state_;  // shared with the connections' coroutines, which may outlive a stop
};

}  // namespace orbweaver::dashboard
