// The Redis client's logic without sockets: REDIS_URL parsing, command encoding, reply parsing.
#include "redis/backoff.hpp"
#include "redis/config.hpp"
#include "redis/error.hpp"
#include "redis/protocol.hpp"
#include "redis/script.hpp"

#include <orbweaver/settings.hpp>

#include <gtest/gtest.h>

#include <string>

namespace orbweaver::redis {
namespace {

// The message of the redis::error that parse_url throws, checked to be errc::bad_url.
std::string url_error(std::string_view url) {
  try {
    parse_url(url);
  } catch (const error& e) {
    EXPECT_EQ(e.code(), make_error_code(errc::bad_url)) << url;
    return e.what();
  }
  ADD_FAILURE() << url << " was accepted";
  return {};
}

TEST(RedisUrl, HostPortDatabaseAndPassword) {
  const auto c = parse_url("redis://:s%40cret@redis.example:6380/3");
  EXPECT_EQ(c.via, config::transport::tcp);
  EXPECT_EQ(c.host, "redis.example");
  EXPECT_EQ(c.port, 6380);
  EXPECT_EQ(c.db, 3);
  EXPECT_EQ(c.user, "");
  EXPECT_EQ(c.password, "s@cret");
  EXPECT_FALSE(c.tls);
  EXPECT_EQ(c.describe(), "redis.example:6380 db 3");
}

TEST(RedisUrl, DefaultsWrittenInPlace) {
  const auto c = parse_url("redis://localhost");
  EXPECT_EQ(c.port, 6379);
  EXPECT_EQ(c.db, 0);
  EXPECT_TRUE(c.password.empty());
  EXPECT_EQ(c.connect_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.command_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.reconnect_min, std::chrono::milliseconds(100));
  EXPECT_EQ(c.reconnect_max, std::chrono::seconds(5));
  EXPECT_EQ(parse_url("redis://localhost/").db, 0);
}

TEST(RedisUrl, AclUserAndIpv6) {
  const auto c = parse_url("redis://worker:pw@[::1]:7000/1");
  EXPECT_EQ(c.user, "worker");
  EXPECT_EQ(c.password, "pw");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.describe(), "[::1]:7000 db 1");
}

TEST(RedisUrl, TlsVerifiesUnlessTurnedOff) {
  const auto verified = parse_url("rediss://:pw@cache.example");
  EXPECT_TRUE(verified.tls);
  EXPECT_TRUE(verified.tls_verify);
  EXPECT_EQ(verified.describe(), "cache.example:6379 db 0 (TLS)");
  const auto unverified = parse_url("rediss://127.0.0.1:6390?verify=false&ca_file=/tmp/ca.pem");
  EXPECT_FALSE(unverified.tls_verify);
  EXPECT_EQ(unverified.ca_file, "/tmp/ca.pem");
}

TEST(RedisUrl, UnixSocket) {
  const auto c = parse_url("unix:///run/redis/redis.sock?db=2&password=p%26w");
  EXPECT_EQ(c.via, config::transport::unix_socket);
  EXPECT_EQ(c.socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(c.db, 2);
  EXPECT_EQ(c.password, "p&w");
  EXPECT_EQ(c.describe(), "unix:/run/redis/redis.sock db 2");
}

TEST(RedisUrl, MistakesGetClearMessagesWithoutThePassword) {
  EXPECT_NE(url_error("http://:secret@host").find("unknown scheme \"http\""), std::string::npos);
  EXPECT_NE(url_error("redis://:secret@host:99999").find("port must be a number from 1 to 65535"), std::string::npos);
  EXPECT_NE(url_error("redis://:secret@host:0").find("port"), std::string::npos);
  EXPECT_NE(url_error("redis://:secret@host:abc").find("port"), std::string::npos);
  EXPECT_NE(url_error("redis://:secret@host/x").find("database must be a number"), std::string::npos);
  EXPECT_NE(url_error("redis://:secret@host/-1").find("database"), std::string::npos);
  EXPECT_NE(url_error("unix:///tmp/r.sock?db=two&password=secret").find("database"), std::string::npos);
  EXPECT_NE(url_error("redis://:secret@host?verify=false").find("unknown parameter \"verify\""), std::string::npos);
  EXPECT_NE(url_error("rediss://:secret@host?verify=maybe").find("verify must be true or false"), std::string::npos);
  EXPECT_NE(url_error("redis://secret@host").find("a user without a password"), std::string::npos);
  EXPECT_NE(url_error("unix://host/tmp/r.sock").find("no host"), std::string::npos);
  EXPECT_NE(url_error("unix:relative.sock").find("absolute path"), std::string::npos);
  EXPECT_NE(url_error("redis:///3").find("no host"), std::string::npos);
  EXPECT_NE(url_error("not a url at all").find("not a URL"), std::string::npos);
  for (const char* url : {"http://:secret@host", "redis://:secret@host:99999", "redis://:secret@host/x",
                          "unix:///tmp/r.sock?db=two&password=secret", "redis://secret@host"}) {
    EXPECT_EQ(url_error(url).find("secret"), std::string::npos) << url;
  }
}

TEST(RedisUrl, FromSettings) {
  settings s;
  EXPECT_THROW(config_from_settings(s), error);  // REDIS_URL empty by default
  s.set("REDIS_URL", "redis://:pw@127.0.0.1:6400/5", setting_priority::command_line);
  s.set("REDIS_COMMAND_TIMEOUT", "0.5", setting_priority::command_line);
  const auto c = config_from_settings(s);
  EXPECT_EQ(c.port, 6400);
  EXPECT_EQ(c.db, 5);
  EXPECT_EQ(c.command_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(c.connect_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.retry_timeout, std::chrono::seconds(60));
  s.set("REDIS_RETRY_TIMEOUT", "0", setting_priority::command_line);
  EXPECT_THROW(config_from_settings(s), error);
}

TEST(RedisProtocol, EncodesCommandsAsArraysOfBulkStrings) {
  EXPECT_EQ(encode({"SET", "key", "value"}), "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
  using namespace std::string_literals;
  EXPECT_EQ(encode({"SET", "k", "a\0\r\nb"s}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\0\r\nb\r\n"s);
  EXPECT_EQ(encode({"GET", ""}), "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(RedisProtocol, ErrorCodes) {
  EXPECT_TRUE(reply::make_error("NOSCRIPT No matching script.").is_error("NOSCRIPT"));
  EXPECT_FALSE(reply::make_error("NOSCRIPTX").is_error("NOSCRIPT"));
  EXPECT_FALSE(reply::make_string("NOSCRIPT x").is_error("NOSCRIPT"));
  EXPECT_EQ(make_error_code(errc::auth_failed).category().name(), std::string("redis"));
  EXPECT_EQ(make_error_code(errc::connection_lost).message(), "connection to Redis lost");
}

// Every reply of `wire`, parsed from the bytes fed in two pieces split at `split`.
std::vector<reply> parse_split(const std::string& wire, std::size_t split) {
  reply_reader reader;
  std::vector<reply> out;
  reader.feed(std::string_view(wire).substr(0, split));
  while (auto r = reader.next()) out.push_back(std::move(*r));
  reader.feed(std::string_view(wire).substr(split));
  while (auto r = reader.next()) out.push_back(std::move(*r));
  return out;
}

TEST(RedisProtocol, RepliesSplitAtEveryByte) {
  const std::string wire =
      "+OK\r\n-ERR wrong type\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n$0\r\n\r\n*-1\r\n*0\r\n"
      "*3\r\n:1\r\n*2\r\n$1\r\na\r\n*1\r\n+nested\r\n$-1\r\n";
  const std::vector<reply> expected{
      reply::make_status("OK"),
      reply::make_error("ERR wrong type"),
      reply::make_integer(-42),
      reply::make_string("he\r\no"),
      reply::make_nil(),
      reply::make_string(""),
      reply::make_nil(),
      reply::make_array({}),
      reply::make_array({reply::make_integer(1),
                         reply::make_array({reply::make_string("a"), reply::make_array({reply::make_status("nested")})}),
                         reply::make_nil()}),
  };
  for (std::size_t split = 0; split <= wire.size(); ++split) {
    EXPECT_EQ(parse_split(wire, split), expected) << "split at " << split;
  }
  EXPECT_EQ(to_string(expected[8]), "[(integer) 1, [\"a\", [nested]], (nil)]");
}

TEST(RedisProtocol, RepliesFedOneByteAtATime) {
  const std::string wire = "*2\r\n$3\r\nfoo\r\n:7\r\n+PONG\r\n";
  reply_reader reader;
  std::vector<reply> out;
  for (char ch : wire) {
    reader.feed(std::string_view(&ch, 1));
    while (auto r = reader.next()) out.push_back(std::move(*r));
  }
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], reply::make_array({reply::make_string("foo"), reply::make_integer(7)}));
  EXPECT_EQ(out[1], reply::make_status("PONG"));
}

TEST(RedisProtocol, LargeBulkStringInChunks) {
  const std::string value(20 * 1024 * 1024 + 7, 'x');
  const std::string wire = "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  reply_reader reader;
  std::optional<reply> got;
  for (std::size_t at = 0; at < wire.size(); at += 65536) {
    EXPECT_FALSE(got);
    reader.feed(std::string_view(wire).substr(at, 65536));
    got = reader.next();
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->text.size(), value.size());
  EXPECT_EQ(got->text, value);
}

// The message of the protocol error that parsing `wire` raises.
std::string garbage_error(const std::string& wire) {
  reply_reader reader;
  try {
    reader.feed(wire);
    while (reader.next()) {
    }
  } catch (const error& e) {
    EXPECT_EQ(e.code(), make_error_code(errc::protocol_error)) << wire;
    // The reader stays in error: feeding more does not bring it back.
    EXPECT_THROW(
        {
          reader.feed("+OK\r\n");
          reader.next();
        },
        error);
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << wire;
  return {};
}

TEST(RedisProtocol, GarbageIsAProtocolErrorNeverACrash) {
  EXPECT_NE(garbage_error("HTTP/1.1 200 OK\r\n").find("malformed reply"), std::string::npos);
  garbage_error("!oops\r\n");
  garbage_error(":12x\r\n");
  garbage_error("$abc\r\n");
  garbage_error("$-2\r\n");
  garbage_error("*-5\r\n");
  garbage_error("$99999999999999999999999\r\n");
  // Nesting deeper than the reader's stack.
  garbage_error("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n");
}

TEST(RedisProtocol, ReplyLargerThanTheLimitIsAProtocolError) {
  // Redis's own limit for a bulk string is 512 MB (proto-max-bulk-len), the reader's default; a
  // smaller one here. A reply just under it parses; one byte more fails as soon as it is buffered,
  // whatever length the header claimed (hiredis would wait for 2^63 bytes).
  constexpr std::size_t limit = 1 << 20;
  const std::string header = "$" + std::to_string(limit - 16) + "\r\n";
  const std::string fits = header + std::string(limit - 16, 'y') + "\r\n";
  ASSERT_LE(fits.size(), limit);
  reply_reader reader(limit);
  reader.feed(fits);
  const auto r = reader.next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text.size(), limit - 16);

  reply_reader claims_too_much(limit);
  claims_too_much.feed("$9223372036854775807\r\n");
  EXPECT_FALSE(claims_too_much.next());
  const std::string chunk(limit / 4, 'z');
  try {
    for (int i = 0; i < 5; ++i) {
      claims_too_much.feed(chunk);
      EXPECT_FALSE(claims_too_much.next());
    }
    ADD_FAILURE() << "more than the limit was buffered";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), make_error_code(errc::protocol_error));
    EXPECT_NE(std::string(e.what()).find("larger than 1048576 bytes"), std::string::npos) << e.what();
  }
}

TEST(RedisScript, Sha1OfTheSourceAndEvalshaCommand) {
  const script s("return 1");
  EXPECT_EQ(s.sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");  // redis-cli SCRIPT LOAD "return 1"
  EXPECT_EQ(s.evalsha({"k1", "k2"}, {"a"}), (command{"EVALSHA", s.sha1(), "2", "k1", "k2", "a"}));
}

}  // namespace
}  // namespace orbweaver::redis

namespace orbweaver::redis {
namespace {

TEST(RedisBackoff, DoublesUpToTheCapWithJitter) {
  using std::chrono::milliseconds;
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    backoff waits(milliseconds(100), milliseconds(5000), seed);
    long long step = 100;
    for (int attempt = 0; attempt < 12; ++attempt) {
      const auto wait = waits.next().count();
      EXPECT_GE(wait, step / 2) << "attempt " << attempt;
      EXPECT_LE(wait, step) << "attempt " << attempt;
      step = std::min(step * 2, 5000LL);
    }
    waits.reset();
    EXPECT_LE(waits.next().count(), 100);
  }
  // Two workers with other seeds do not wait alike.
  backoff one(milliseconds(100), milliseconds(5000), 1), other(milliseconds(100), milliseconds(5000), 2);
  int same = 0;
  for (int i = 0; i < 10; ++i) same += one.next() == other.next();
  EXPECT_LT(same, 10);
}

}  // namespace
}  // namespace orbweaver::redis
