#include "browser/cdp_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <deque>
#include <map>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace orbweaver::browser {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
namespace websocket = beast::websocket;
using clock = std::chrono::steady_clock;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// Page snapshots (outerHTML, screenshots in base64) come as one message each.
constexpr std::size_t largest_message = 512 * 1024 * 1024;

// A call waiting for its reply: `wake` waits until the deadline and is cancelled when the reply
// (or the end of the session) comes first.
struct pending {
  pending(asio::any_io_executor executor, clock::time_point deadline) : wake(std::move(executor), deadline) {}
  asio::steady_timer wake;
  bool done = false;
  json::value result;
  std::error_code error;
  std::string detail;

  void finish() {
    done = true;
    wake.cancel();
  }
};

struct endpoint {
  std::string host, port, target;
};

endpoint parse_websocket_url(const std::string& url) {
  constexpr std::string_view scheme = "ws://";
  if (!url.starts_with(scheme)) raise(errc::browser_lost, fmt::format("not a ws:// URL: {}", url));
  const auto rest = std::string_view(url).substr(scheme.size());
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || authority.empty())
    raise(errc::browser_lost, fmt::format("no host and port in {}", url));
  return {std::string(authority.substr(0, colon)), std::string(authority.substr(colon + 1)),
          slash == std::string_view::npos ? "/" : std::string(rest.substr(slash))};
}

}  // namespace

void raise(errc code, const std::string& why) { throw std::system_error(make_error_code(code), why); }

struct cdp_session::state {
  state(asio::any_io_executor executor, cdp_options options)
      : executor(executor), options(options), socket(executor) {}

  struct handler_entry {
    std::string method, session_id;
    event_handler handler;
  };

  asio::any_io_executor executor;
  cdp_options options;
  websocket::stream<beast::tcp_stream> socket;
  std::string where;
  std::uint64_t next_id = 1;
  std::unordered_map<std::uint64_t, std::shared_ptr<pending>> waiting;
  std::map<std::uint64_t, handler_entry> handlers;  // by subscription id, in order of subscribing
  std::deque<std::string> outgoing;
  bool writing = false;
  bool alive = true;
  std::string closed_because;

  void fail(std::string why) {
    if (!alive) return;
    alive = false;
    closed_because = std::move(why);
    beast::get_lowest_layer(socket).close();
    auto failed = std::move(waiting);
    waiting.clear();
    for (auto& [id, p] : failed) {
      p->error = make_error_code(errc::browser_lost);
      p->detail = closed_because;
      p->finish();
    }
    outgoing.clear();
  }

  void dispatch(const json::object& message) {
    if (const auto* id = message.if_contains("id")) {
      const auto found = waiting.find(id->to_number<std::uint64_t>());
      if (found == waiting.end()) return;  // its caller gave up (timeout)
      auto p = found->second;
      waiting.erase(found);
      if (const auto* error = message.if_contains("error"); error && error->is_object()) {
        const auto& e = error->as_object();
        const auto* text = e.if_contains("message");
        const auto* code = e.if_contains("code");
        p->error = make_error_code(errc::browser_error);
        p->detail = fmt::format("{}{}", text && text->is_string() ? std::string(text->as_string()) : "an error",
                                code && code->is_int64() ? fmt::format(" (code {})", code->as_int64()) : "");
      } else if (const auto* result = message.if_contains("result")) {
        p->result = *result;
      }
      p->finish();
      return;
    }
    const auto* method = message.if_contains("method");
    if (!method || !method->is_string()) return;
    const auto* session = message.if_contains("sessionId");
    const std::string_view session_id = session && session->is_string() ? std::string_view(session->as_string()) : "";
    static const json::object no_params;
    const auto* params = message.if_contains("params");
    const json::object& event = params && params->is_object() ? params->as_object() : no_params;
    // Handlers may unsubscribe themselves or others: look each one up again before calling it.
    std::vector<std::uint64_t> matching;
    for (const auto& [id, entry] : handlers)
      if (entry.method == method->as_string() && entry.session_id == session_id) matching.push_back(id);
    for (const auto id : matching) {
      const auto found = handlers.find(id);
      if (found == handlers.end()) continue;
      const auto handler = found->second.handler;  // a copy: the handler may erase its entry
      handler(event);
    }
  }
};

namespace {

using state = cdp_session::state;

asio::awaitable<void> read_messages(std::shared_ptr<state> s) {
  beast::flat_buffer buffer;
  while (s->alive) {
    buffer.clear();
    const auto [ec, n] = co_await s->socket.async_read(buffer, nothrow);
    if (!s->alive) break;
    if (ec) {
      s->fail(ec == websocket::error::closed || ec == asio::error::eof || ec == asio::error::connection_reset
                  ? fmt::format("the browser closed the DevTools connection ({})", s->where)
                  : fmt::format("DevTools connection to {} failed: {}", s->where, ec.message()));
      break;
    }
    boost::system::error_code parse_error;
    auto message = json::parse(beast::buffers_to_string(buffer.data()), parse_error);
    if (parse_error || !message.is_object()) {
      s->fail(fmt::format("the browser sent a message that is not a JSON object ({})", s->where));
      break;
    }
    s->dispatch(message.as_object());
  }
}

asio::awaitable<void> write_messages(std::shared_ptr<state> s) {
  s->writing = true;
  while (s->alive && !s->outgoing.empty()) {
    const std::string message = std::move(s->outgoing.front());
    s->outgoing.pop_front();
    const auto [ec, n] = co_await s->socket.async_write(asio::buffer(message), nothrow);
    if (ec) s->fail(fmt::format("cannot write to the DevTools connection ({}): {}", s->where, ec.message()));
  }
  s->writing = false;
}

}  // namespace

cdp_session::subscription& cdp_session::subscription::operator=(subscription&& other) noexcept {
  if (this != &other) {
    reset();
    owner_ = std::move(other.owner_);
    id_ = other.id_;
  }
  return *this;
}

void cdp_session::subscription::reset() {
  if (auto s = owner_.lock()) s->handlers.erase(id_);
  owner_.reset();
}

cdp_session::cdp_session(std::shared_ptr<state> s) : state_(std::move(s)) {}

cdp_session::~cdp_session() { close("the session was closed"); }

void cdp_session::close(std::string why) { state_->fail(std::move(why)); }
bool cdp_session::is_open() const { return state_->alive; }
const std::string& cdp_session::closed_because() const { return state_->closed_because; }

asio::awaitable<std::shared_ptr<cdp_session>> cdp_session::connect(std::string websocket_url, cdp_options options) {
  auto executor = co_await asio::this_coro::executor;
  const auto where = parse_websocket_url(websocket_url);
  auto s = std::make_shared<state>(executor, options);
  s->where = websocket_url;
  auto& tcp = beast::get_lowest_layer(s->socket);
  tcp.expires_after(options.connect_timeout);
  asio::ip::tcp::resolver resolver(executor);
  const auto [resolve_error, endpoints] = co_await resolver.async_resolve(where.host, where.port, nothrow);
  if (resolve_error) raise(errc::browser_lost, fmt::format("cannot resolve {}: {}", where.host, resolve_error.message()));
  const auto [connect_error, connected] = co_await tcp.async_connect(endpoints, nothrow);
  if (connect_error)
    raise(errc::browser_lost, fmt::format("cannot connect to {}: {}", websocket_url, connect_error.message()));
  tcp.socket().set_option(asio::ip::tcp::no_delay(true));
  const auto [handshake_error] =
      co_await s->socket.async_handshake(where.host + ":" + where.port, where.target, nothrow);
  if (handshake_error)
    raise(errc::browser_lost, fmt::format("WebSocket handshake with {} failed: {}", websocket_url, handshake_error.message()));
  // From here on the WebSocket's own timeouts apply: none while idle (a page may take long).
  tcp.expires_never();
  websocket::stream_base::timeout timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
  timeouts.handshake_timeout = options.connect_timeout;
  s->socket.set_option(timeouts);
  s->socket.read_message_max(largest_message);
  s->socket.text(true);
  asio::co_spawn(executor, read_messages(s), asio::detached);
  co_return std::shared_ptr<cdp_session>(new cdp_session(s));
}

asio::awaitable<json::value> cdp_session::call(std::string method, json::object params, std::string session_id) {
  return call(std::move(method), std::move(params), std::move(session_id), state_->options.call_timeout);
}

asio::awaitable<json::value> cdp_session::call(std::string method, json::object params) {
  return call(std::move(method), std::move(params), std::string(), state_->options.call_timeout);
}

asio::awaitable<json::value> cdp_session::call(std::string method) {
  return call(std::move(method), json::object(), std::string(), state_->options.call_timeout);
}

asio::awaitable<json::value> cdp_session::call(std::string method, json::object params, std::string session_id,
                                               std::chrono::milliseconds timeout) {
  auto s = state_;
  if (!s->alive) raise(errc::browser_lost, fmt::format("{}: {}", method, s->closed_because));
  const auto id = s->next_id++;
  json::object message{{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!session_id.empty()) message["sessionId"] = session_id;
  auto p = std::make_shared<pending>(s->executor, clock::now() + timeout);
  s->waiting.emplace(id, p);
  s->outgoing.push_back(json::serialize(message));
  if (!s->writing) asio::co_spawn(s->executor, write_messages(s), asio::detached);
  while (!p->done) {
    const auto [ec] = co_await p->wake.async_wait(nothrow);
    if (!ec && !p->done) {
      s->waiting.erase(id);
      raise(errc::browser_timeout, fmt::format("{}: no answer from the browser within {} ms", method, timeout.count()));
    }
  }
  if (p->error) raise(static_cast<errc>(p->error.value()), fmt::format("{}: {}", method, p->detail));
  co_return std::move(p->result);
}

cdp_session::subscription cdp_session::subscribe(std::string method, std::string session_id, event_handler handler) {
  const auto id = state_->next_id++;
  state_->handlers.emplace(id, state::handler_entry{std::move(method), std::move(session_id), std::move(handler)});
  return subscription(state_, id);
}

}  // namespace orbweaver::browser
