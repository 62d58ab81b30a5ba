// The Redis client against a real redis-server started by the test (tests/support/redis_server):
// authentication, pipelines, concurrent coroutines, scripts, a restarted or paused server, Unix
// sockets and TLS.
#include "redis/client.hpp"
#include "redis/connection.hpp"
#include "redis/error.hpp"
#include "redis/script.hpp"

#include "crawl_runner.hpp"
#include "free_port.hpp"
#include "redis_server.hpp"
#include "run_coroutine.hpp"

#include <orbweaver/log.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace orbweaver::redis {
namespace {

namespace asio = boost::asio;
using testing::redis_server;
using testing::run;
using testing::sleep_for;
using namespace std::chrono_literals;

// The redis::error that `body` throws; a failure when it throws none.
std::optional<error> error_of(asio::io_context& io, asio::awaitable<void> body) {
  try {
    run(io, std::move(body));
  } catch (const error& e) {
    return e;
  }
  ADD_FAILURE() << "no redis::error";
  return std::nullopt;
}

// Log lines go to a file of the test's own while this lives.
class captured_log {
 public:
  // At INFO whatever an earlier test of the process (a crawl sets its LOG_LEVEL) left.
  captured_log()
      : path_(std::filesystem::temp_directory_path() / fmt::format("redis-log-{}", ::getpid())),
        level_before_(log::current_level()) {
    std::filesystem::remove(path_);
    log::set_file(path_.string());
    log::set_level(log::level::info);
  }
  ~captured_log() {
    log::set_level(level_before_);
    log::set_file("");
    std::filesystem::remove(path_);
  }
  std::string text() const { return testing::read_file(path_); }

 private:
  std::filesystem::path path_;
  log::level level_before_;
};

// One command written as words ("SET key value"), its reply as redis-cli shows it. The braced
// command is built here, outside the caller's co_await (GCC 12 destroys such temporaries twice).
asio::awaitable<std::string> said(client& c, std::string_view line) {
  command words;
  for (std::size_t at = 0; at <= line.size();) {
    const auto space = std::min(line.find(' ', at), line.size());
    words.emplace_back(line.substr(at, space - at));
    at = space + 1;
  }
  const reply r = co_await c.exec(std::move(words));
  co_return to_string(r);
}

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(RedisClient, AuthenticatesSelectsAndRunsCommands) {
  redis_server server;
  SKIP_WITHOUT(server);
  asio::io_context io;
  client redis(io.get_executor(), parse_url(server.url(2)));
  auto body = [&]() -> asio::awaitable<void> {
    co_await redis.check();
    const auto set = co_await said(redis, "SET greeting hello");
    EXPECT_EQ(set, "OK");
    const auto got = co_await said(redis, "GET greeting");
    EXPECT_EQ(got, "\"hello\"");
    const auto missing = co_await said(redis, "GET missing");
    EXPECT_EQ(missing, "(nil)");
    const auto wrong = co_await said(redis, "INCR greeting");
    EXPECT_EQ(wrong, "(error) ERR value is not an integer or out of range");
  };
  run(io, body());
  // SELECT 2 took effect: db 0 does not have the key.
  EXPECT_EQ(server.command({"EXISTS", "greeting"}), reply::make_integer(0));
}

TEST(RedisClient, WrongPasswordFailsAtOnceNamingTheServerNotThePassword) {
  redis_server server;
  SKIP_WITHOUT(server);
  asio::io_context io;
  client redis(io.get_executor(), parse_url(server.url_with_password("not-the-Password")));
  auto body = [&]() -> asio::awaitable<void> { co_await redis.check(); };
  const auto e = error_of(io, body());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value(), errc::auth_failed);
  const std::string message = e->what();
  EXPECT_NE(message.find(fmt::format("Redis at 127.0.0.1:{} db 0: AUTH failed: WRONGPASS", server.port())),
            std::string::npos) << message;
  EXPECT_EQ(message.find("not-the-Password"), std::string::npos) << message;
  EXPECT_EQ(message.find(server.password()), std::string::npos) << message;
}

TEST(RedisClient, AclUserAndPassword) {
  redis_server server;
  SKIP_WITHOUT(server);
  EXPECT_EQ(server.command({"ACL", "SETUSER", "worker", "on", ">worker-Pass", "~*", "+@all"}),
            reply::make_status("OK"));
  asio::io_context io;
  client worker(io.get_executor(), parse_url(fmt::format("redis://worker:worker-Pass@127.0.0.1:{}", server.port())));
  client impostor(io.get_executor(), parse_url(fmt::format("redis://worker:{}@127.0.0.1:{}", server.password(), server.port())));
  auto body = [&]() -> asio::awaitable<void> {
    const auto who = co_await said(worker, "ACL WHOAMI");
    EXPECT_EQ(who, "\"worker\"");
  };
  run(io, body());
  auto refused = [&]() -> asio::awaitable<void> { co_await impostor.check(); };
  const auto e = error_of(io, refused());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value(), errc::auth_failed);
  EXPECT_NE(std::string(e->what()).find("AUTH as worker failed"), std::string::npos) << e->what();
  EXPECT_EQ(std::string(e->what()).find(server.password()), std::string::npos) << e->what();
}

TEST(RedisClient, MissingPasswordIsAnAuthError) {
  redis_server server;
  SKIP_WITHOUT(server);
  asio::io_context io;
  client redis(io.get_executor(), parse_url(fmt::format("redis://127.0.0.1:{}/3", server.port())));
  auto body = [&]() -> asio::awaitable<void> { co_await redis.check(); };
  const auto e = error_of(io, body());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value(), errc::auth_failed);
  EXPECT_NE(std::string(e->what()).find("requires a password"), std::string::npos) << e->what();
}

TEST(RedisClient, NoServerFailsFast) {
  asio::io_context io;
  const auto port = testing::free_port();
  client redis(io.get_executor(), parse_url(fmt::format("redis://:pw@127.0.0.1:{}", port)));
  const auto started = std::chrono::steady_clock::now();
  auto body = [&]() -> asio::awaitable<void> { co_await redis.check(); };
  const auto e = error_of(io, body());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value(), errc::connect_failed);
  EXPECT_NE(std::string(e->what()).find(fmt::format("Redis at 127.0.0.1:{} db 0: cannot connect", port)),
            std::string::npos) << e->what();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

// A server that is not Redis, on loopback: it accepts, then sends `answer` (if any) and keeps the
// connection open.
class not_redis {
 public:
  not_redis(asio::io_context& io, std::string answer) : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    acceptor_.async_accept([this, answer](boost::system::error_code ec, asio::ip::tcp::socket peer) {
      if (ec) return;
      peer_.emplace(std::move(peer));
      if (!answer.empty()) asio::write(*peer_, asio::buffer(answer), ec);
    });
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::ip::tcp::acceptor acceptor_;
  std::optional<asio::ip::tcp::socket> peer_;
};

TEST(RedisClient, ServerThatNeverAnswersTimesOutConnecting) {
  asio::io_context io;
  not_redis silent(io, "");
  auto settings = parse_url(fmt::format("redis://:pw@127.0.0.1:{}", silent.port()));
  settings.connect_timeout = 300ms;
  client redis(io.get_executor(), settings);
  const auto started = std::chrono::steady_clock::now();
  auto body = [&]() -> asio::awaitable<void> { co_await redis.check(); };
  const auto e = error_of(io, body());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value(), errc::timeout);
  EXPECT_NE(std::string(e->what()).find("no connection within 300 ms"), std::string::npos) << e->what();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(RedisClient, ServerThatIsNotRedisIsAProtocolError) {
  asio::io_context io;
  not_redis http(io, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  client redis(io.get_executor(), parse_url(fmt::format("redis://:pw@127.0.0.1:{}", http.port())));
  auto body = [&]() -> asio::awaitable<void> { co_await redis.check(); };
  const auto e = error_of(io, body());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value(), errc::protocol_error);
  EXPECT_NE(std::string(e->what()).find(fmt::format("Redis at 127.0.0.1:{} db 0: ", http.port())), std::string::npos)
      << e->what();
}

TEST(RedisClient, TenThousandPipelinedCommandsComeBackInOrder) {
  redis_server server;
  SKIP_WITHOUT(server);
  asio::io_context io;
  client redis(io.get_executor(), parse_url(server.url()));
  auto body = [&]() -> asio::awaitable<void> {
    std::vector<command> batch;
    for (int i = 0; i < 10'000; ++i) batch.push_back({"RPUSH", "numbers", std::to_string(i)});
    const auto replies = co_await redis.exec_all(std::move(batch));
    EXPECT_EQ(replies.size(), 10'000u);
    for (std::size_t i = 0; i < replies.size(); ++i)
      if (replies[i] != reply::make_integer(static_cast<long long>(i) + 1)) {
        ADD_FAILURE() << "reply " << i << ": " << to_string(replies[i]);
        break;
      }
    const auto last = co_await said(redis, "LINDEX numbers -1");
    EXPECT_EQ(last, "\"9999\"");
  };
  run(io, body());
}

TEST(RedisClient, ConcurrentCoroutinesGetTheirOwnReplies) {
  redis_server server;
  SKIP_WITHOUT(server);
  asio::io_context io;
  client redis(io.get_executor(), parse_url(server.url()));
  int finished = 0, wrong = 0;
  auto worker = [&](int id) -> asio::awaitable<void> {
    for (int i = 0; i < 50; ++i) {
      const std::string text = fmt::format("{}-{}", id, i);
      if (i % 2) {
        const std::string line = "ECHO " + text;
        const auto echoed = co_await said(redis, line);
        wrong += echoed != "\"" + text + "\"";
      } else {
        std::vector<command> pair{{"ECHO", text}, {"ECHO", text + "b"}};
        const auto echoed = co_await redis.exec_all(std::move(pair));
        wrong += echoed != std::vector{reply::make_string(text), reply::make_string(text + "b")};
      }
    }
    ++finished;
  };
  for (int id = 0; id < 40; ++id) asio::co_spawn(io, worker(id), asio::detached);
  auto body = [&]() -> asio::awaitable<void> {
    while (finished < 40) co_await sleep_for(5ms);
  };
  run(io, body());
  EXPECT_EQ(wrong, 0);
}

TEST(RedisClient, ScriptsAreLoadedAgainAfterScriptFlush) {
  redis_server server;
  SKIP_WITHOUT(server);
  asio::io_context io;
  client redis(io.get_executor(), parse_url(server.url()));
  const script add("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  const script broken("return (");
  auto body = [&]() -> asio::awaitable<void> {
    const std::vector<std::string> keys{"total"}, five{"5"}, two{"2"}, nan{"not a number"};
    const auto first = co_await add.run(redis, keys, five);
    EXPECT_EQ(first, reply::make_integer(5));
    const std::string exists = "SCRIPT EXISTS " + add.sha1();
    const auto known = co_await said(redis, exists);
    EXPECT_EQ(known, "[(integer) 1]");
    const auto flushed = co_await said(redis, "SCRIPT FLUSH");
    EXPECT_EQ(flushed, "OK");
    const auto again = co_await add.run(redis, keys, two);
    EXPECT_EQ(again, reply::make_integer(7));
    const auto raised = co_await add.run(redis, keys, nan);
    EXPECT_TRUE(raised.is_error()) << to_string(raised);
    try {
      const std::vector<std::string> none;
      co_await broken.run(redis, none, none);
      ADD_FAILURE() << "a script that does not compile ran";
    } catch (const error& e) {
      EXPECT_EQ(e.value(), errc::no_script);
      EXPECT_NE(std::string(e.what()).find("SCRIPT LOAD failed"), std::string::npos) << e.what();
    }
  };
  run(io, body());
}

TEST(RedisClient, RestartedServerLogsOnceReconnectsAndFailsInFlightCommands) {
  redis_server server({.append_only = true});
  SKIP_WITHOUT(server);
  captured_log log;
  asio::io_context io;
  client redis(io.get_executor(), parse_url(server.url()));
  std::optional<error> in_flight;
  auto blocked = [&]() -> asio::awaitable<void> {
    try {
      co_await said(redis, "BLPOP never-pushed 10");
      ADD_FAILURE() << "BLPOP returned";
    } catch (const error& e) {
      in_flight = e;
    }
  };
  auto body = [&]() -> asio::awaitable<void> {
    const auto set = co_await said(redis, "SET kept 1");
    EXPECT_EQ(set, "OK");
    asio::co_spawn(io, blocked(), asio::detached);
    co_await sleep_for(100ms);
    // The server goes down and comes back 700 ms later, while this coroutine asks for the key: it
    // waits through several failed reconnects.
    std::jthread restarter([&] {
      server.stop();
      std::this_thread::sleep_for(700ms);
      server.start();
    });
    co_await sleep_for(200ms);
    const auto kept = co_await said(redis, "GET kept");
    EXPECT_EQ(kept, "\"1\"");
    const auto incremented = co_await said(redis, "INCR kept");
    EXPECT_EQ(incremented, "(integer) 2");
  };
  run(io, body());
  ASSERT_TRUE(in_flight);
  EXPECT_EQ(in_flight->value(), errc::connection_lost) << in_flight->what();
  EXPECT_EQ(redis.reconnects(), 1u);
  const auto text = log.text();
  EXPECT_EQ(count(text, fmt::format("Redis at 127.0.0.1:{} db 0 unavailable: ", server.port())), 1u) << text;
  EXPECT_EQ(count(text, "; retrying"), 1u) << text;
  EXPECT_EQ(count(text, fmt::format("Redis at 127.0.0.1:{} db 0 is back after", server.port())), 1u) << text;
  EXPECT_EQ(text.find(server.password()), std::string::npos);
}

TEST(RedisClient, CommandsWaitForADownServerOnlySoLong) {
  redis_server server;
  SKIP_WITHOUT(server);
  captured_log log;
  asio::io_context io;
  auto settings = parse_url(server.url());
  settings.retry_timeout = 400ms;
  client redis(io.get_executor(), settings);
  auto body = [&]() -> asio::awaitable<void> {
    co_await redis.check();
    server.stop();
    const auto started = std::chrono::steady_clock::now();
    try {
      co_await said(redis, "PING");
      ADD_FAILURE() << "PING succeeded with the server down";
    } catch (const error& e) {
      EXPECT_EQ(e.value(), errc::connection_lost) << e.what();  // the connection dropped under it
    }
    try {
      co_await said(redis, "PING");
      ADD_FAILURE() << "PING succeeded with the server down";
    } catch (const error& e) {
      EXPECT_EQ(e.value(), errc::unavailable) << e.what();
      EXPECT_NE(std::string(e.what()).find("unavailable for 0 s: cannot connect"), std::string::npos) << e.what();
    }
    EXPECT_GE(std::chrono::steady_clock::now() - started, 400ms);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  };
  run(io, body());
  EXPECT_EQ(count(log.text(), "; retrying"), 1u) << log.text();
}

TEST(RedisClient, CommandTimeoutOnAPausedServerClosesAndTheNextCommandReconnects) {
  redis_server server;
  SKIP_WITHOUT(server);
  asio::io_context io;
  auto settings = parse_url(server.url());
  settings.command_timeout = 500ms;
  client redis(io.get_executor(), settings);
  const auto pauser_settings = parse_url(server.url());
  auto body = [&]() -> asio::awaitable<void> {
    co_await redis.check();
    auto pauser = co_await connection::open(io.get_executor(), pauser_settings, nullptr);
    command pause{"CLIENT", "PAUSE", "2000"};
    const auto paused = co_await pauser->exec(std::move(pause));
    EXPECT_EQ(paused, reply::make_status("OK"));
    const auto started = std::chrono::steady_clock::now();
    try {
      co_await said(redis, "GET anything");
      ADD_FAILURE() << "GET answered on a paused server";
    } catch (const error& e) {
      EXPECT_EQ(e.value(), errc::timeout) << e.what();
      EXPECT_NE(std::string(e.what()).find("no reply within 500 ms"), std::string::npos) << e.what();
    }
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, 450ms);
    EXPECT_LT(waited, 1500ms);
    EXPECT_FALSE(redis.connected());
    const auto pong = co_await said(redis, "PING");
    EXPECT_EQ(pong, "PONG");
  };
  run(io, body());
}

TEST(RedisClient, UnixSocket) {
  redis_server server;
  SKIP_WITHOUT(server);
  asio::io_context io;
  const auto settings = parse_url(server.unix_url(1));
  EXPECT_EQ(settings.via, config::transport::unix_socket);
  client redis(io.get_executor(), settings);
  auto body = [&]() -> asio::awaitable<void> {
    co_await redis.check();
    const auto set = co_await said(redis, "SET over-unix yes");
    EXPECT_EQ(set, "OK");
  };
  run(io, body());
  EXPECT_EQ(server.command({"EXISTS", "over-unix"}), reply::make_integer(0));  // it went to db 1
}

TEST(RedisClient, TlsWithVerification) {
  redis_server server({.tls = true});
  SKIP_WITHOUT(server);
  asio::io_context io;
  client verified(io.get_executor(), parse_url(server.tls_url()));
  auto body = [&]() -> asio::awaitable<void> {
    co_await verified.check();
    const auto set = co_await said(verified, "SET over-tls yes");
    EXPECT_EQ(set, "OK");
    std::vector<command> batch;
    for (int i = 0; i < 2000; ++i) batch.push_back({"ECHO", std::string(100, 'x') + std::to_string(i)});
    const auto replies = co_await verified.exec_all(std::move(batch));
    EXPECT_EQ(replies.back(), reply::make_string(std::string(100, 'x') + "1999"));
  };
  run(io, body());
  EXPECT_EQ(server.command({"GET", "over-tls"}), reply::make_string("yes"));

  // Without the test's authority the self-signed certificate is refused, unless verify=false.
  const auto plain = fmt::format("rediss://:{}@127.0.0.1:{}", server.password(), server.tls_port());
  client unverifiable(io.get_executor(), parse_url(plain));
  auto refused = [&]() -> asio::awaitable<void> { co_await unverifiable.check(); };
  const auto e = error_of(io, refused());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value(), errc::connect_failed);
  EXPECT_NE(std::string(e->what()).find("certificate verify failed"), std::string::npos) << e->what();
  client trusting(io.get_executor(), parse_url(plain + "?verify=false"));
  auto accepted = [&]() -> asio::awaitable<void> {
    const auto got = co_await said(trusting, "GET over-tls");
    EXPECT_EQ(got, "\"yes\"");
  };
  run(io, accepted());
}

}  // namespace
}  // namespace orbweaver::redis
