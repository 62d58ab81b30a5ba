#include "redis/client.hpp"

#include "download/tls_context.hpp"
#include "redis/backoff.hpp"
#include "redis/connection.hpp"
#include "redis/error.hpp"

#include <orbweaver/log.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <list>
#include <optional>

namespace orbweaver::redis {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}

struct client::state {
  state(asio::any_io_executor executor, config c)
      : executor(executor), settings(std::move(c)), where(settings.describe()), pause(executor) {
    if (settings.tls) tls.emplace(download::make_client_tls_context(settings.ca_file, settings.tls_verify));
  }

  asio::any_io_executor executor;
  config settings;
  std::string where;
  std::optional<asio::ssl::context> tls;
  std::shared_ptr<connection> conn;
  bool reconnecting = false;
  bool stopped = false;
  std::optional<clock::time_point> outage;  // since the connection was lost
  std::string last_failure;                 // why, for commands that give up waiting
  std::uint64_t reconnects = 0;
  asio::steady_timer pause;                 // the reconnect loop's backoff
  std::list<asio::steady_timer*> waiters;   // commands waiting for a connection

  asio::ssl::context* tls_context() { return tls ? &*tls : nullptr; }

  // "Redis at X: cause" from the connection's errors, for the one log line of an outage.
  std::string cause(const error& e) const {
    std::string_view text = e.what();
    const std::string prefix = "Redis at " + where + ": ";
    if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
    return std::string(text);
  }

  void lost(std::string why) {
    last_failure = why;
    if (outage) return;
    outage = clock::now();
    log::warning("redis", "Redis at {} unavailable: {}; retrying", where, why);
  }

  void wake_waiters() {
    for (auto* timer : waiters) timer->cancel();
  }
};

namespace {

using state = client::state;

asio::awaitable<void> reconnect(std::shared_ptr<state> s) {
  s->reconnecting = true;
  backoff waits(s->settings.reconnect_min, s->settings.reconnect_max);
  for (bool first = true; !s->stopped; first = false) {
    if (!first) {
      s->pause.expires_after(waits.next());
      co_await s->pause.async_wait(nothrow);
      if (s->stopped) break;
    }
    std::shared_ptr<connection> fresh;
    try {
      fresh = co_await connection::open(s->executor, s->settings, s->tls_context());
    } catch (const error& e) {
      s->lost(s->cause(e));
      continue;
    }
    if (s->stopped) break;
    s->conn = std::move(fresh);
    if (s->outage) {
      ++s->reconnects;
      log::info("redis", "Redis at {} is back after {:.1f} s", s->where,
                std::chrono::duration<double>(clock::now() - *s->outage).count());
      s->outage.reset();
    }
    break;
  }
  s->reconnecting = false;
  s->wake_waiters();
}

void start_reconnecting(const std::shared_ptr<state>& s) {
  if (s->reconnecting || s->stopped) return;
  s->reconnecting = true;
  asio::co_spawn(s->executor, reconnect(s), asio::detached);
}

// A command waiting for a connection: listed in state::waiters while this lives, so that it is
// unlisted however its coroutine ends (also when the reactor is destroyed with it suspended).
struct waiter {
  waiter(state& s, clock::time_point until)
      : s(s), timer(s.executor, until), listed(s.waiters.insert(s.waiters.end(), &timer)) {}
  ~waiter() { s.waiters.erase(listed); }
  waiter(const waiter&) = delete;
  waiter& operator=(const waiter&) = delete;

  state& s;
  asio::steady_timer timer;
  std::list<asio::steady_timer*>::iterator listed;
};

// The open connection, waiting for one (at most retry_timeout) when there is none.
asio::awaitable<std::shared_ptr<connection>> ready(std::shared_ptr<state> s) {
  const auto give_up = clock::now() + s->settings.retry_timeout;
  for (;;) {
    if (s->stopped) throw error(errc::connection_lost, "Redis at " + s->where + ": the client is closed");
    if (s->conn && s->conn->is_open()) co_return s->conn;
    if (s->conn) {
      s->lost(s->conn->closed_because());
      s->conn.reset();
    }
    start_reconnecting(s);
    if (clock::now() >= give_up)
      throw error(errc::unavailable, fmt::format("Redis at {} unavailable for {:.0f} s: {}", s->where,
                                                 std::chrono::duration<double>(s->settings.retry_timeout).count(),
                                                 s->last_failure));
    waiter wait(*s, give_up);
    co_await wait.timer.async_wait(nothrow);
  }
}

// After a failed command: a closed connection starts the outage now, not at the next command.
void note_failure(const std::shared_ptr<state>& s, const connection& conn) {
  if (conn.is_open() || s->conn.get() != &conn) return;
  s->lost(conn.closed_because());
  s->conn.reset();
  start_reconnecting(s);
}

}  // namespace

client::client(asio::any_io_executor executor, config c)
    : state_(std::make_shared<state>(std::move(executor), std::move(c))) {}

client::~client() {
  state_->stopped = true;
  state_->pause.cancel();
  state_->wake_waiters();
  if (state_->conn) state_->conn->close();
}

const config& client::settings() const { return state_->settings; }
bool client::connected() const { return state_->conn && state_->conn->is_open(); }
std::uint64_t client::reconnects() const { return state_->reconnects; }

asio::awaitable<void> client::check() {
  auto s = state_;
  if (s->conn && s->conn->is_open()) co_return;
  std::shared_ptr<connection> fresh = co_await connection::open(s->executor, s->settings, s->tls_context());
  s->conn = std::move(fresh);
}

asio::awaitable<reply> client::exec(command c) {
  std::vector<command> one;
  one.push_back(std::move(c));
  auto replies = co_await exec_all(std::move(one));
  co_return std::move(replies.front());
}

asio::awaitable<std::vector<reply>> client::exec_all(std::vector<command> commands) {
  auto s = state_;
  const auto conn = co_await ready(s);
  std::optional<error> failed;
  try {
    co_return co_await conn->exec_all(std::move(commands));
  } catch (const error& e) {
    failed = e;
  }
  note_failure(s, *conn);
  throw *failed;
}

}  // namespace orbweaver::redis
