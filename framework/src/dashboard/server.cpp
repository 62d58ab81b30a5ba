#include "dashboard/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <random>
#include <vector>

namespace orbweaver::dashboard {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct server_state {
  server_state(asio::any_io_executor executor, server::options o)
      : acceptor(executor), opts(std::move(o)), last_events_sent(executor) {}
  tcp::acceptor acceptor;
  server::options opts;
  std::function<std::string()> numbers;
  std::function<std::string()> page;
  unsigned short port = 0;
  std::size_t connections = 0;
  bool stopped = false;
  std::string last_numbers;  // taken by stop(): the event each /events client gets last
  std::size_t sending_events = 0;
  asio::steady_timer last_events_sent;  // stop() waits on it; cancelled when sending_events drops to 0
  // The open connections: stop() closes them, or wakes the ones sending events for their last.
  struct connection {
    std::weak_ptr<beast::tcp_stream> stream;
    std::weak_ptr<asio::steady_timer> events;
  };
  std::vector<connection> connections_open;
};

namespace {

using state_ptr = std::shared_ptr<server_state>;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Compares every byte whatever the first difference, so that the time taken tells nothing.
bool same_secret(std::string_view given, std::string_view token) {
  if (given.size() != token.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < token.size(); ++i) difference |= static_cast<unsigned char>(given[i] ^ token[i]);
  return difference == 0;
}

// Counts an /events client for as long as it is served; the last one gone after a stop ends
// stop()'s wait.
struct events_count {
  explicit events_count(state_ptr s) : state(std::move(s)) { ++state->sending_events; }
  ~events_count() {
    if (--state->sending_events == 0 && state->stopped) state->last_events_sent.cancel();
  }
  events_count(const events_count&) = delete;
  events_count& operator=(const events_count&) = delete;
  state_ptr state;
};

// Counts a connection for as long as its coroutine lives.
struct connection_count {
  explicit connection_count(state_ptr s) : state(std::move(s)) { ++state->connections; }
  ~connection_count() { --state->connections; }
  connection_count(const connection_count&) = delete;
  connection_count& operator=(const connection_count&) = delete;
  state_ptr state;
};

http::response<http::string_body> reply(const http::request<http::string_body>& req, http::status status,
                                        std::string_view content_type, std::string body) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// The same JSON as /stats every interval, as Server-Sent Events, until the client goes away or
// the server stops; then the numbers stop() took (the crawl's final ones) as the last event, so a
// page open until the end shows how the crawl finished.
asio::awaitable<void> send_events(state_ptr state, std::shared_ptr<beast::tcp_stream> stream) {
  // A client that stops reading is dropped rather than holding its connection.
  constexpr auto write_timeout = std::chrono::seconds(10);
  events_count counted(state);
  auto timer = std::make_shared<asio::steady_timer>(stream->get_executor());
  for (auto& open : state->connections_open)
    if (open.stream.lock() == stream) open.events = timer;
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
  stream->expires_after(write_timeout);
  auto [head_error, head_sent] = co_await asio::async_write(*stream, asio::buffer(head), use_tuple);
  if (head_error) co_return;
  while (true) {
    const bool last = state->stopped;
    std::string event = "data: " + (last ? state->last_numbers : state->numbers()) + "\n\n";
    stream->expires_after(write_timeout);
    auto [error, sent] = co_await asio::async_write(*stream, asio::buffer(event), use_tuple);
    if (error || last) co_return;
    timer->expires_after(state->opts.event_interval);
    co_await timer->async_wait(use_tuple);  // cut short by stop()
  }
}

asio::awaitable<void> serve(state_ptr state, tcp::socket socket) {
  connection_count counted(state);
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  state->connections_open.push_back({stream, {}});
  beast::flat_buffer buffer;
  while (!state->stopped) {
    http::request<http::string_body> req;
    stream->expires_after(std::chrono::seconds(30));
    auto [read_error, read] = co_await http::async_read(*stream, buffer, req, use_tuple);
    if (read_error) break;
    stream->expires_never();
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    http::response<http::string_body> res;
    if (!authorized(target, req[http::field::authorization], state->opts.token)) {
      res = reply(req, http::status::forbidden, "text/plain",
                  "This dashboard needs its token: ?token=TOKEN or an Authorization: Bearer TOKEN header "
                  "(the crawl's log gives the URL with it).\n");
    } else if (path == "/events" && req.method() == http::verb::get) {
      co_await send_events(state, stream);
      break;
    } else if (path == "/stats" && req.method() == http::verb::get) {
      res = reply(req, http::status::ok, "application/json", state->numbers());
    } else if (path == "/" && req.method() == http::verb::get) {
      res = reply(req, http::status::ok, "text/html; charset=utf-8", state->page());
    } else {
      res = reply(req, http::status::not_found, "text/plain", "Not found: the dashboard serves /, /stats and /events.\n");
    }
    auto [write_error, written] = co_await http::async_write(*stream, res, use_tuple);
    if (write_error || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Over the limit a client is told so, not left waiting.
asio::awaitable<void> refuse(tcp::socket socket) {
  std::string busy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 39\r\nConnection: close\r\n\r\n"
      "Too many dashboard connections at once\n";
  co_await asio::async_write(socket, asio::buffer(busy), use_tuple);
}

asio::awaitable<void> accept(state_ptr state) {
  while (!state->stopped) {
    auto [error, socket] = co_await state->acceptor.async_accept(use_tuple);
    if (error) {
      if (state->stopped || error == asio::error::operation_aborted) co_return;
      continue;  // a connection reset before it was accepted, out of descriptors for a moment
    }
    std::erase_if(state->connections_open, [](const auto& open) { return open.stream.expired(); });
    auto executor = state->acceptor.get_executor();
    if (state->connections >= state->opts.max_connections)
      asio::co_spawn(executor, refuse(std::move(socket)), asio::detached);
    else
      asio::co_spawn(executor, serve(state, std::move(socket)), asio::detached);
  }
}

// Stops accepting and closes every connection, but with `last_event` those sending events are
// woken instead, to send state->last_numbers and close.
void close(const state_ptr& state, bool last_event) {
  state->stopped = true;
  boost::system::error_code ignored;
  state->acceptor.close(ignored);
  for (auto& open : state->connections_open) {
    auto events = open.events.lock();
    if (last_event && events)
      events->cancel();
    else if (auto stream = open.stream.lock())
      stream->socket().close(ignored);
  }
  state->connections_open.clear();
}

}  // namespace

bool authorized(std::string_view target, std::string_view authorization, std::string_view token) {
  if (token.empty()) return true;
  constexpr std::string_view bearer = "Bearer ";
  if (authorization.starts_with(bearer) && same_secret(authorization.substr(bearer.size()), token)) return true;
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return false;
  auto params = parsed->params();
  auto found = params.find("token");
  return found != params.end() && (*found).has_value && same_secret((*found).value, token);
}

std::string new_token() {
  std::random_device source;
  std::string token;
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", source());
  return token;
}

server::server(asio::any_io_executor executor, options opts, std::function<std::string()> numbers,
               std::function<std::string()> page)
    : state_(std::make_shared<server_state>(executor, std::move(opts))) {
  state_->numbers = std::move(numbers);
  state_->page = std::move(page);
  tcp::endpoint endpoint(asio::ip::make_address(state_->opts.host), state_->opts.port);
  auto& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
  state_->port = acceptor.local_endpoint().port();
}

server::~server() {
  // Without the numbers' source, which may be gone: every connection is closed, none gets a last event.
  if (!state_->stopped) close(state_, false);
}

unsigned short server::port() const { return state_->port; }

void server::start() { asio::co_spawn(state_->acceptor.get_executor(), accept(state_), asio::detached); }

asio::awaitable<void> server::stop() {
  if (state_->stopped) co_return;
  // Taken now: the function may not outlive the server, the connections' coroutines may.
  state_->last_numbers = state_->numbers();
  close(state_, true);
  if (state_->sending_events == 0) co_return;
  // A client that does not read its last event in time is not waited for.
  state_->last_events_sent.expires_after(std::chrono::seconds(2));
  co_await state_->last_events_sent.async_wait(use_tuple);
}

}  // namespace orbweaver::dashboard
