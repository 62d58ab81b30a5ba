#include "redis/connection.hpp"

#include "download/tls_context.hpp"
#include "redis/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <deque>
#include <optional>
#include <variant>

namespace orbweaver::redis {

namespace asio = boost::asio;
using asio::ip::tcp;
using clock = std::chrono::steady_clock;
using tcp_socket = tcp::socket;
using unix_socket = asio::local::stream_protocol::socket;
using tls_socket = asio::ssl::stream<tcp::socket>;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_chunk = 64 * 1024;

// Commands whose replies are awaited: `expected` replies complete it.
struct pending {
  explicit pending(asio::any_io_executor executor, std::size_t expected, clock::time_point deadline)
      : expected(expected), deadline(deadline), wake(std::move(executor), clock::time_point::max()) {}
  std::size_t expected;
  clock::time_point deadline;
  std::vector<reply> replies;
  std::error_code error;
  std::string detail;
  bool done = false;
  asio::steady_timer wake;  // cancelled when done: the waiting coroutine resumes

  void finish() {
    done = true;
    wake.cancel();
  }
};

}  // namespace

struct connection::state {
  state(asio::any_io_executor executor, const config& c)
      : executor(executor), settings(c), where(c.describe()), watchdog(executor, clock::time_point::max()) {}

  asio::any_io_executor executor;
  config settings;
  std::string where;
  std::variant<std::monostate, tcp_socket, unix_socket, tls_socket> stream;
  std::optional<tcp::resolver> resolver;
  reply_reader reader;
  std::string outgoing;  // encoded commands not yet handed to the socket
  bool writing = false;
  std::deque<std::shared_ptr<pending>> waiting;
  std::optional<clock::time_point> open_deadline;  // while connecting
  asio::steady_timer watchdog;
  bool alive = true;
  std::error_code closed_by;
  std::string closed_because;

  tcp_socket& tcp_layer() {
    if (auto* tls = std::get_if<tls_socket>(&stream)) return tls->next_layer();
    return std::get<tcp_socket>(stream);
  }

  // Closes the socket and fails every command waiting: the first with `code`, the others with
  // connection_lost (their replies will never come).
  void fail(errc code, std::string why) {
    if (!alive) return;
    alive = false;
    closed_by = code;
    closed_because = std::move(why);
    boost::system::error_code ignored;
    if (resolver) resolver->cancel();
    if (auto* t = std::get_if<tcp_socket>(&stream)) t->close(ignored);
    if (auto* u = std::get_if<unix_socket>(&stream)) u->close(ignored);
    if (auto* s = std::get_if<tls_socket>(&stream)) s->next_layer().close(ignored);
    bool first = true;
    for (auto& p : waiting) {
      p->error = first ? make_error_code(code) : make_error_code(errc::connection_lost);
      p->detail = first ? closed_because : "the connection closed (" + closed_because + ")";
      first = false;
      p->finish();
    }
    waiting.clear();
    watchdog.cancel();
  }

  [[noreturn]] void raise(errc code, const std::string& why) const {
    throw error(code, fmt::format("Redis at {}: {}", where, why));
  }

  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_some(asio::mutable_buffer buffer) {
    if (auto* t = std::get_if<tcp_socket>(&stream)) co_return co_await t->async_read_some(buffer, nothrow);
    if (auto* u = std::get_if<unix_socket>(&stream)) co_return co_await u->async_read_some(buffer, nothrow);
    co_return co_await std::get<tls_socket>(stream).async_read_some(buffer, nothrow);
  }

  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write(asio::const_buffer buffer) {
    if (auto* t = std::get_if<tcp_socket>(&stream)) co_return co_await asio::async_write(*t, buffer, nothrow);
    if (auto* u = std::get_if<unix_socket>(&stream)) co_return co_await asio::async_write(*u, buffer, nothrow);
    co_return co_await asio::async_write(std::get<tls_socket>(stream), buffer, nothrow);
  }

  std::string lost_reason(const boost::system::error_code& ec) const {
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return "the server closed the connection";
    return ec.message();
  }

  void deliver(reply r) {
    if (waiting.empty()) return fail(errc::protocol_error, "a reply nobody asked for: " + to_string(r));
    auto& front = *waiting.front();
    front.replies.push_back(std::move(r));
    if (front.replies.size() < front.expected) return;
    auto done = waiting.front();
    waiting.pop_front();
    done->finish();
  }
};

namespace {

using state = connection::state;

asio::awaitable<void> read_replies(std::shared_ptr<state> s) {
  std::string buffer(read_chunk, '\0');
  while (s->alive) {
    const auto [ec, n] = co_await s->read_some(asio::buffer(buffer));
    if (!s->alive) break;
    if (ec) {
      s->fail(errc::connection_lost, s->lost_reason(ec));
      break;
    }
    try {
      s->reader.feed(std::string_view(buffer.data(), n));
      while (s->alive) {
        auto r = s->reader.next();
        if (!r) break;
        s->deliver(std::move(*r));
      }
    } catch (const error& e) {
      s->fail(errc::protocol_error, e.what());
    }
  }
}

asio::awaitable<void> write_commands(std::shared_ptr<state> s) {
  s->writing = true;
  std::string sending;
  while (s->alive && !s->outgoing.empty()) {
    sending.clear();
    sending.swap(s->outgoing);
    const auto [ec, n] = co_await s->write(asio::buffer(sending));
    if (ec) s->fail(errc::connection_lost, s->lost_reason(ec));
  }
  s->writing = false;
}

// Closes the connection when connecting, or the oldest command waiting, outlives its deadline.
asio::awaitable<void> watch(std::shared_ptr<state> s) {
  while (s->alive) {
    auto due = s->waiting.empty() ? clock::time_point::max() : s->waiting.front()->deadline;
    if (s->open_deadline) due = std::min(due, *s->open_deadline);
    s->watchdog.expires_at(due);
    co_await s->watchdog.async_wait(nothrow);
    if (!s->alive) break;
    const auto now = clock::now();
    if (s->open_deadline && *s->open_deadline <= now) {
      s->fail(errc::timeout, fmt::format("no connection within {} ms", s->settings.connect_timeout.count()));
    } else if (!s->waiting.empty() && s->waiting.front()->deadline <= now) {
      s->fail(errc::timeout, fmt::format("no reply within {} ms; the connection is closed",
                                         s->settings.command_timeout.count()));
    }
  }
}

// Queues the commands and waits for their replies; throws when the connection fails first.
asio::awaitable<std::vector<reply>> submit(std::shared_ptr<state> s, const std::vector<command>& commands,
                                           clock::time_point deadline) {
  if (!s->alive) s->raise(errc::connection_lost, "the connection is closed (" + s->closed_because + ")");
  if (commands.empty()) co_return std::vector<reply>{};
  for (const auto& c : commands) s->outgoing += encode(c);
  auto p = std::make_shared<pending>(s->executor, commands.size(), deadline);
  s->waiting.push_back(p);
  if (s->waiting.size() == 1) s->watchdog.cancel();  // its deadline is now the earliest
  if (!s->writing) asio::co_spawn(s->executor, write_commands(s), asio::detached);
  while (!p->done) co_await p->wake.async_wait(nothrow);
  if (p->error) s->raise(static_cast<errc>(p->error.value()), p->detail);
  co_return std::move(p->replies);
}

asio::awaitable<void> connect(std::shared_ptr<state> s, asio::ssl::context* tls) {
  const config& c = s->settings;
  boost::system::error_code ec;
  if (c.via == config::transport::unix_socket) {
    auto& socket = s->stream.emplace<unix_socket>(s->executor);
    const asio::local::stream_protocol::endpoint path(c.socket_path);
    std::tie(ec) = co_await socket.async_connect(path, nothrow);
  } else {
    s->resolver.emplace(s->executor);
    const std::string port = std::to_string(c.port);
    auto [resolve_error, endpoints] = co_await s->resolver->async_resolve(c.host, port, nothrow);
    s->resolver.reset();
    if (!s->alive) s->raise(static_cast<errc>(s->closed_by.value()), s->closed_because);
    if (resolve_error) s->raise(errc::connect_failed, "cannot resolve the host: " + resolve_error.message());
    if (c.tls) {
      if (!tls) s->raise(errc::connect_failed, "no TLS context for a rediss:// URL");
      s->stream.emplace<tls_socket>(s->executor, *tls);
    } else {
      s->stream.emplace<tcp_socket>(s->executor);
    }
    std::tie(ec, std::ignore) = co_await asio::async_connect(s->tcp_layer(), endpoints, nothrow);
    if (!ec) s->tcp_layer().set_option(tcp::no_delay(true), ec);
  }
  if (!s->alive) s->raise(static_cast<errc>(s->closed_by.value()), s->closed_because);
  if (ec) s->raise(errc::connect_failed, "cannot connect: " + ec.message());
  if (auto* stream = std::get_if<tls_socket>(&s->stream)) {
    if (const auto setup = download::prepare_client_session(stream->native_handle(), c.host, c.tls_verify))
      s->raise(errc::connect_failed, "cannot set up TLS: " + setup.message());
    std::tie(ec) = co_await stream->async_handshake(asio::ssl::stream_base::client, nothrow);
    if (!s->alive) s->raise(static_cast<errc>(s->closed_by.value()), s->closed_because);
    if (ec) s->raise(errc::connect_failed,
                     "TLS handshake failed: " + download::handshake_failure_reason(stream->native_handle(), ec));
  }
}

}  // namespace

connection::connection(std::shared_ptr<state> s) : state_(std::move(s)) {}

connection::~connection() { close(); }

void connection::close() { state_->fail(errc::connection_lost, "closed by the client"); }

bool connection::is_open() const { return state_->alive; }
const std::error_code& connection::closed_by() const { return state_->closed_by; }
const std::string& connection::closed_because() const { return state_->closed_because; }

asio::awaitable<std::unique_ptr<connection>> connection::open(asio::any_io_executor executor, const config& c,
                                                              asio::ssl::context* tls) {
  auto s = std::make_shared<state>(executor, c);
  const auto deadline = clock::now() + c.connect_timeout;
  s->open_deadline = deadline;
  asio::co_spawn(executor, watch(s), asio::detached);
  // From here on the connection object owns the socket: a failure closes it.
  std::unique_ptr<connection> conn(new connection(s));
  co_await connect(s, tls);
  asio::co_spawn(executor, read_replies(s), asio::detached);

  std::vector<command> hello;
  if (!c.password.empty()) {
    hello.push_back(c.user.empty() ? command{"AUTH", c.password} : command{"AUTH", c.user, c.password});
  }
  if (c.db != 0) hello.push_back({"SELECT", std::to_string(c.db)});
  hello.push_back({"PING"});
  const auto replies = co_await submit(s, hello, deadline);
  if (!c.password.empty() && replies.front().is_error())
    s->raise(errc::auth_failed,
             fmt::format("AUTH{} failed: {}", c.user.empty() ? "" : " as " + c.user, replies.front().text));
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].is_error("NOAUTH"))
      s->raise(errc::auth_failed, "the server requires a password and REDIS_URL has none");
    if (replies[i].is_error()) s->raise(errc::server_error, fmt::format("{} failed: {}", hello[i][0], replies[i].text));
  }
  s->open_deadline.reset();
  co_return conn;
}

asio::awaitable<reply> connection::exec(command c) {
  std::vector<command> one;
  one.push_back(std::move(c));
  auto replies = co_await submit(state_, one, clock::now() + state_->settings.command_timeout);
  co_return std::move(replies.front());
}

asio::awaitable<std::vector<reply>> connection::exec_all(std::vector<command> commands) {
  co_return co_await submit(state_, commands, clock::now() + state_->settings.command_timeout);
}

}  // namespace orbweaver::redis
