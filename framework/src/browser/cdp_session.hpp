#pragma once
// A Chrome DevTools Protocol client: one WebSocket to the browser endpoint, on the reactor,
// coroutines only. Calls are matched to replies by id, so any number may be in flight at once;
// events go to the handlers subscribed to their method and sessionId (flatten mode: a page's
// session is a sessionId on this same socket, from Target.attachToTarget {flatten: true}).
//
// Failures are std::system_error with our codes and the browser's words: errc::browser_error
// (the browser answered with an error: its message and code), errc::browser_timeout (no answer
// within the call's timeout; the session stays usable, a late answer is dropped),
// errc::browser_lost (the socket closed or close() was called: every pending call fails with
// the reason, and so does every later call).
#include <orbweaver/error.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace orbweaver::browser {

struct cdp_options {
  std::chrono::milliseconds connect_timeout{10000};  // TCP connect and WebSocket handshake
  std::chrono::milliseconds call_timeout{30000};     // a call without a timeout of its own
};

class cdp_session {
 public:
  using event_handler = std::function<void(const boost::json::object& params)>;
  struct state;

  // Ends the handler's subscription when destroyed.
  class subscription {
   public:
    subscription() = default;
    subscription(std::weak_ptr<state> owner, std::uint64_t id) : owner_(std::move(owner)), id_(id) {}
    subscription(subscription&& other) noexcept : owner_(std::move(other.owner_)), id_(other.id_) {}
    subscription& operator=(subscription&& other) noexcept;
    subscription(const subscription&) = delete;
    subscription& operator=(const subscription&) = delete;
    ~subscription() { reset(); }
    void reset();

   private:
    std::weak_ptr<state> owner_;
    std::uint64_t id_ = 0;
  };

  // Connects to a browser endpoint, "ws://127.0.0.1:PORT/devtools/browser/ID". Throws
  // std::system_error (errc::browser_lost) when it cannot.
  static boost::asio::awaitable<std::shared_ptr<cdp_session>> connect(std::string websocket_url, cdp_options options);
  cdp_session(const cdp_session&) = delete;
  cdp_session& operator=(const cdp_session&) = delete;
  ~cdp_session();

  // Sends {id, method, params[, sessionId]} and returns the reply's result. The overloads are
  // not coroutines: no default arguments, which GCC 12 would destroy twice (docs/status.md).
  boost::asio::awaitable<boost::json::value> call(std::string method, boost::json::object params,
                                                  std::string session_id, std::chrono::milliseconds timeout);
  boost::asio::awaitable<boost::json::value> call(std::string method, boost::json::object params,
                                                  std::string session_id);
  boost::asio::awaitable<boost::json::value> call(std::string method, boost::json::object params);
  boost::asio::awaitable<boost::json::value> call(std::string method);

  // `handler` receives the params of every event `method` of `session_id` ("" for the browser's
  // own events) until the subscription is destroyed. It runs on the reactor inside the reader:
  // it must not block; it may unsubscribe.
  [[nodiscard]] subscription subscribe(std::string method, std::string session_id, event_handler handler);

  // Closes the socket: pending and later calls fail with errc::browser_lost and `why`.
  void close(std::string why);
  bool is_open() const;
  const std::string& closed_because() const;

 private:
  explicit cdp_session(std::shared_ptr<state> s);
  std::shared_ptr<state> state_;
};

// The std::system_error that a session's failures travel as.
[[noreturn]] void raise(errc code, const std::string& why);

}  // namespace orbweaver::browser
