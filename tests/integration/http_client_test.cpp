#include "download/dns_cache.hpp"
#include "download/http_client.hpp"
#include "test_server.hpp"

#include <orbweaver/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace orbweaver::download {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using testing::test_certificates;
using testing::test_reply;
using testing::test_request;
using testing::test_server;
using namespace std::chrono_literals;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

fetch_limits quick(std::uint64_t maxsize = 0) { return fetch_limits{5s, maxsize}; }

test_reply ok(std::string body) { return test_reply{.body = std::move(body)}; }

template <class F>
client_options with(F change) {
  client_options options;
  change(options);
  return options;
}

client_options trusting(std::string ca_file) {
  client_options options;
  options.ca_file = std::move(ca_file);
  return options;
}

asio::awaitable<fetch_result> owned_fetch(http_client& client, request r, fetch_limits limits) {
  co_return co_await client.fetch(r, limits);
}

// A loopback listener that accepts, reads one burst of the request, writes `prefix` and then
// holds the connection without another byte: a server that stalls mid-exchange.
class stalling_listener {
 public:
  stalling_listener(asio::io_context& ioc, std::string prefix)
      : acceptor_(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        prefix_(std::move(prefix)) {
    asio::co_spawn(ioc, serve(), asio::detached);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::awaitable<void> serve() {
    auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
    if (ec) co_return;
    held_ = std::move(socket);
    if (prefix_.empty()) co_return;  // not a word, not even a TLS ServerHello
    co_await held_->async_read_some(asio::buffer(request_), nothrow);
    co_await asio::async_write(*held_, asio::buffer(prefix_), nothrow);
  }

  tcp::acceptor acceptor_;
  std::string prefix_;
  std::optional<tcp::socket> held_;
  std::array<char, 4096> request_;
};

class HttpClientTest : public ::testing::Test {
 protected:
  // Runs the io_context until the operation completes (the client keeps no timers, but a
  // stalling listener may keep work pending).
  template <class T>
  T run(asio::awaitable<T> op) {
    std::optional<T> out;
    asio::co_spawn(ioc_, std::move(op), [&](std::exception_ptr e, T value) {
      if (e) std::rethrow_exception(e);
      out = std::move(value);
    });
    ioc_.restart();
    while (!out && ioc_.run_one() != 0) {
    }
    EXPECT_TRUE(out.has_value());
    return out ? std::move(*out) : T{};
  }

  fetch_result fetch(http_client& client, request r, fetch_limits limits = quick()) {
    return run(owned_fetch(client, std::move(r), limits));
  }
  fetch_result fetch(http_client& client, std::string url, fetch_limits limits = quick()) {
    return fetch(client, request(std::move(url)), limits);
  }

  // Starts every request at once and waits for all of them.
  std::vector<fetch_result> fetch_all(http_client& client, const std::vector<std::string>& urls) {
    std::vector<fetch_result> results(urls.size());
    std::size_t done = 0;
    for (std::size_t i = 0; i < urls.size(); ++i) {
      asio::co_spawn(ioc_, owned_fetch(client, request(urls[i]), quick()),
                     [&, i](std::exception_ptr e, fetch_result r) {
                       if (e) std::rethrow_exception(e);
                       results[i] = std::move(r);
                       ++done;
                     });
    }
    ioc_.restart();
    while (done < urls.size() && ioc_.run_one() != 0) {
    }
    EXPECT_EQ(done, urls.size());
    return results;
  }

  http_client make_client(client_options options = {}) {
    return http_client(ioc_.get_executor(), std::move(options));
  }

  asio::io_context ioc_;
};

#define EXPECT_OK(result) \
  EXPECT_FALSE((result).error) << error_name((result).error) << ": " << (result).detail

TEST_F(HttpClientTest, GetReturnsStatusHeadersAndBody) {
  test_server server;
  std::mutex seen_mutex;
  test_request seen;
  server.route("/hello", [&](const test_request& req) {
    std::lock_guard lock(seen_mutex);
    seen = req;
    return test_reply{.status = 203, .headers = {{"X-Answer", "42"}}, .body = "hello world"};
  });
  http_client client = make_client();
  request r(server.url("/hello?x=1&y=2"));
  r.headers.add("X-Custom", "yes");
  const fetch_result result = fetch(client, r);
  EXPECT_OK(result);
  EXPECT_EQ(result.status, 203);
  EXPECT_EQ(result.body, "hello world");
  EXPECT_EQ(result.headers.get("x-answer").value_or(""), "42");
  EXPECT_EQ(result.headers.get("Content-Type").value_or(""), "text/html");
  EXPECT_EQ(result.remote_ip, "127.0.0.1");
  EXPECT_GT(result.wire_bytes, result.body.size());
  EXPECT_FALSE(result.reused_connection);

  std::lock_guard lock(seen_mutex);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/hello?x=1&y=2");
  EXPECT_EQ(seen.host, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen.headers.get("User-Agent").value_or(""), "orbweaver");
  EXPECT_EQ(seen.headers.get("X-Custom").value_or(""), "yes");
  EXPECT_FALSE(seen.headers.contains("Content-Length"));
}

TEST_F(HttpClientTest, RequestUserAgentWinsOverFallback) {
  test_server server;
  std::mutex seen_mutex;
  std::string agent;
  server.route("/", [&](const test_request& req) {
    std::lock_guard lock(seen_mutex);
    agent = std::string(req.headers.get("User-Agent").value_or(""));
    return ok("");
  });
  http_client client = make_client(with([](client_options& o) { o.user_agent_fallback = "fallback/1"; }));
  request r(server.url("/"));
  r.headers.add("User-Agent", "mine/2");
  EXPECT_OK(fetch(client, r));
  std::lock_guard lock(seen_mutex);
  EXPECT_EQ(agent, "mine/2");
}

TEST_F(HttpClientTest, SequentialFetchesReuseOneConnection) {
  test_server server;
  server.route("/page", [](const test_request&) { return ok(std::string(22'000, 'x')); });
  http_client client = make_client();
  for (int i = 0; i < 5; ++i) {
    const fetch_result result = fetch(client, server.url("/page"));
    EXPECT_OK(result);
    EXPECT_EQ(result.body.size(), 22'000u);
    EXPECT_EQ(result.reused_connection, i > 0);
  }
  EXPECT_EQ(server.connections_accepted(), 1u);
  EXPECT_EQ(server.requests_served(), 5u);
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST_F(HttpClientTest, ChunkedResponse) {
  test_server server;
  std::string body;
  for (int i = 0; i < 10'000; ++i) body += std::to_string(i) + ",";
  server.route("/chunked", [&](const test_request&) {
    return test_reply{.body = body, .chunked = true};
  });
  http_client client = make_client();
  const fetch_result first = fetch(client, server.url("/chunked"));
  EXPECT_OK(first);
  EXPECT_EQ(first.body, body);
  EXPECT_EQ(first.headers.get("Transfer-Encoding").value_or(""), "chunked");
  EXPECT_OK(fetch(client, server.url("/chunked")));
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST_F(HttpClientTest, ConnectionCloseRepliesAreNotReused) {
  test_server server;
  server.route("/close", [](const test_request&) { return test_reply{.body = "bye", .close = true}; });
  http_client client = make_client();
  for (int i = 0; i < 3; ++i) {
    const fetch_result result = fetch(client, server.url("/close"));
    EXPECT_OK(result);
    EXPECT_EQ(result.body, "bye");
    EXPECT_FALSE(result.reused_connection);
  }
  EXPECT_EQ(server.connections_accepted(), 3u);
}

TEST_F(HttpClientTest, RequestAskingToCloseIsNotReused) {
  test_server server;
  server.route("/", [](const test_request&) { return ok("x"); });
  http_client client = make_client();
  request r(server.url("/"));
  r.headers.add("Connection", "close");
  EXPECT_OK(fetch(client, r));
  EXPECT_OK(fetch(client, r));
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST_F(HttpClientTest, Http10BodyDelimitedByClose) {
  test_server server;
  const std::string body(50'000, 'z');
  server.route("/old", [&](const test_request&) {
    return test_reply{.raw = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body};
  });
  http_client client = make_client();
  const fetch_result first = fetch(client, server.url("/old"));
  EXPECT_OK(first);
  EXPECT_EQ(first.body, body);
  const fetch_result second = fetch(client, server.url("/old"));
  EXPECT_OK(second);
  EXPECT_FALSE(second.reused_connection);
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST_F(HttpClientTest, HeadResponseHasNoBodyAndKeepsTheConnectionInStep) {
  test_server server;
  server.route("/page", [](const test_request&) { return ok(std::string(5000, 'p')); });
  http_client client = make_client();
  request head(server.url("/page"));
  head.method = "HEAD";
  const fetch_result headed = fetch(client, head);
  EXPECT_OK(headed);
  EXPECT_EQ(headed.status, 200);
  EXPECT_TRUE(headed.body.empty());
  EXPECT_EQ(headed.headers.get("Content-Length").value_or(""), "5000");
  const fetch_result got = fetch(client, server.url("/page"));
  EXPECT_OK(got);
  EXPECT_TRUE(got.reused_connection);
  EXPECT_EQ(got.body.size(), 5000u);
}

TEST_F(HttpClientTest, PostBodyArrives) {
  test_server server;
  std::mutex seen_mutex;
  std::vector<test_request> seen;
  server.route("/submit", [&](const test_request& req) {
    std::lock_guard lock(seen_mutex);
    seen.push_back(req);
    return ok("thanks");
  });
  http_client client = make_client();
  request post(server.url("/submit"));
  post.method = "POST";
  post.headers.add("Content-Type", "application/x-www-form-urlencoded");
  post.headers.add("Content-Length", "999");  // framing is the client's: this one is replaced
  post.body = "name=orb&kind=weaver";
  const fetch_result result = fetch(client, post);
  EXPECT_OK(result);
  EXPECT_EQ(result.body, "thanks");
  request empty_post(server.url("/submit"));
  empty_post.method = "POST";
  EXPECT_OK(fetch(client, empty_post));

  std::lock_guard lock(seen_mutex);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, "name=orb&kind=weaver");
  EXPECT_EQ(seen[0].headers.get_all("Content-Length"), std::vector<std::string_view>{"20"});
  EXPECT_EQ(seen[0].headers.get("Content-Type").value_or(""), "application/x-www-form-urlencoded");
  EXPECT_EQ(seen[1].headers.get("Content-Length").value_or(""), "0");
  EXPECT_TRUE(seen[1].body.empty());
}

TEST_F(HttpClientTest, HeaderValueWithLineBreakIsRefused) {
  test_server server;
  http_client client = make_client();
  request r(server.url("/"));
  r.headers.add("X-Evil", "a\r\nInjected: yes");
  const fetch_result result = fetch(client, r);
  EXPECT_EQ(result.error, errc::protocol_error);
  EXPECT_EQ(server.connections_accepted(), 0u);
}

TEST_F(HttpClientTest, ServerDelayBeyondTimeoutTimesOut) {
  test_server server;
  server.route("/slow", [](const test_request&) { return test_reply{.body = "late", .delay = 3s}; });
  http_client client = make_client();
  const auto start = std::chrono::steady_clock::now();
  const fetch_result result = fetch(client, server.url("/slow"), fetch_limits{200ms, 0});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.error, errc::download_timeout);
  EXPECT_NE(result.detail.find("reading the response header"), std::string::npos) << result.detail;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 1500ms);
}

TEST_F(HttpClientTest, StalledBodyTimesOut) {
  stalling_listener listener(ioc_, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
  http_client client = make_client();
  const fetch_result result = fetch(
      client, "http://127.0.0.1:" + std::to_string(listener.port()) + "/", fetch_limits{200ms, 0});
  EXPECT_EQ(result.error, errc::download_timeout);
  EXPECT_NE(result.detail.find("reading the response body"), std::string::npos) << result.detail;
}

TEST_F(HttpClientTest, StalledTlsHandshakeTimesOut) {
  stalling_listener listener(ioc_, "");
  http_client client = make_client();
  const fetch_result result = fetch(
      client, "https://127.0.0.1:" + std::to_string(listener.port()) + "/", fetch_limits{200ms, 0});
  EXPECT_EQ(result.error, errc::download_timeout);
  EXPECT_NE(result.detail.find("TLS handshake"), std::string::npos) << result.detail;
}

TEST_F(HttpClientTest, ConnectionRefused) {
  unsigned short port = 0;
  {
    tcp::acceptor probe(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  http_client client = make_client();
  const fetch_result result = fetch(client, "http://127.0.0.1:" + std::to_string(port) + "/");
  EXPECT_EQ(result.error, errc::connect_failed);
  EXPECT_NE(result.detail.find("refused"), std::string::npos) << result.detail;
}

TEST_F(HttpClientTest, ContentLengthBeyondMaxsizeIsRefusedBeforeTheBody) {
  test_server server;
  server.route("/big", [](const test_request&) { return ok(std::string(10'000, 'b')); });
  http_client client = make_client();
  const fetch_result result = fetch(client, server.url("/big"), quick(1000));
  EXPECT_EQ(result.error, errc::body_too_large);
  EXPECT_NE(result.detail.find("Content-Length 10000"), std::string::npos) << result.detail;
  EXPECT_OK(fetch(client, server.url("/big"), quick(10'000)));
}

TEST_F(HttpClientTest, ChunkedBodyBeyondMaxsizeStopsWhileStreaming) {
  test_server server;
  server.route("/big", [](const test_request&) {
    return test_reply{.body = std::string(50'000, 'c'), .chunked = true};
  });
  http_client client = make_client();
  const fetch_result result = fetch(client, server.url("/big"), quick(20'000));
  EXPECT_EQ(result.error, errc::body_too_large);
  EXPECT_NE(result.detail.find("exceeds maxsize of 20000"), std::string::npos) << result.detail;
  EXPECT_LT(result.wire_bytes, 30'000u);
}

TEST_F(HttpClientTest, TruncatedBodyIsConnectionClosed) {
  test_server server;
  server.route("/cut", [](const test_request&) {
    return test_reply{.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"};
  });
  http_client client = make_client();
  const fetch_result result = fetch(client, server.url("/cut"));
  EXPECT_EQ(result.error, errc::connection_closed);
  EXPECT_NE(result.detail.find("reading the response body"), std::string::npos) << result.detail;
}

TEST_F(HttpClientTest, MalformedResponseIsProtocolError) {
  test_server server;
  server.route("/junk", [](const test_request&) {
    return test_reply{.raw = "SMTP ready, not HTTP\r\n\r\n"};
  });
  http_client client = make_client();
  EXPECT_EQ(fetch(client, server.url("/junk")).error, errc::protocol_error);
}

TEST_F(HttpClientTest, FreshConnectionDroppedWithoutReplyIsConnectionClosed) {
  test_server server;
  server.route("/drop", [](const test_request&) { return test_reply{.drop = true}; });
  http_client client = make_client();
  const fetch_result result = fetch(client, server.url("/drop"));
  EXPECT_EQ(result.error, errc::connection_closed);
  EXPECT_EQ(server.connections_accepted(), 1u);  // no retry on a fresh connection
}

TEST_F(HttpClientTest, ReusedConnectionDroppedBeforeReplyIsRetriedOnceOnAFreshOne) {
  test_server server;
  std::atomic<int> calls{0};
  server.route("/", [](const test_request&) { return ok("first"); });
  server.route("/flaky", [&](const test_request&) {
    return ++calls == 1 ? test_reply{.drop = true} : ok("second try");
  });
  http_client client = make_client();
  EXPECT_OK(fetch(client, server.url("/")));
  const fetch_result result = fetch(client, server.url("/flaky"));
  EXPECT_OK(result);
  EXPECT_EQ(result.body, "second try");
  EXPECT_FALSE(result.reused_connection);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST_F(HttpClientTest, ConnectionClosedByServerWhileIdleIsNotAnError) {
  test_server server;
  // Keep-alive by the headers, but the server hangs up right after.
  server.route("/once", [](const test_request&) {
    return test_reply{.raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  });
  server.route("/next", [](const test_request&) { return ok("next"); });
  http_client client = make_client();
  EXPECT_OK(fetch(client, server.url("/once")));
  std::this_thread::sleep_for(50ms);  // let the FIN arrive: the pool must notice it
  const fetch_result result = fetch(client, server.url("/next"));
  EXPECT_OK(result);
  EXPECT_EQ(result.body, "next");
  EXPECT_FALSE(result.reused_connection);
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST_F(HttpClientTest, IdleConnectionsExpire) {
  test_server server;
  server.route("/", [](const test_request&) { return ok("x"); });
  http_client client = make_client(with([](client_options& o) { o.idle_timeout = 1s; }));
  EXPECT_OK(fetch(client, server.url("/")));
  std::this_thread::sleep_for(1100ms);
  const fetch_result result = fetch(client, server.url("/"));
  EXPECT_OK(result);
  EXPECT_FALSE(result.reused_connection);
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST_F(HttpClientTest, CloseAllDropsPooledConnections) {
  test_server server;
  server.route("/", [](const test_request&) { return ok("x"); });
  http_client client = make_client();
  EXPECT_OK(fetch(client, server.url("/")));
  client.close_all();
  EXPECT_FALSE(fetch(client, server.url("/")).reused_connection);
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST_F(HttpClientTest, CloseAllAbortsATransferInProgress) {
  test_server server;
  server.route("/", [](const test_request&) { return ok("x"); });
  server.route("/stall", [](const test_request&) { return test_reply{.body = "late", .delay = 20s}; });
  http_client client = make_client();
  EXPECT_OK(fetch(client, server.url("/")));  // the stalled fetch will reuse this connection

  asio::steady_timer closer(ioc_, 100ms);
  closer.async_wait([&](boost::system::error_code) { client.close_all(); });
  const auto start = std::chrono::steady_clock::now();
  const fetch_result result = fetch(client, server.url("/stall"), fetch_limits{30s, 0});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.error, errc::cancelled);
  EXPECT_NE(result.detail.find("aborted"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("reading the response header"), std::string::npos) << result.detail;
  EXPECT_LT(elapsed, 1s);
  EXPECT_EQ(server.arrivals("/stall").size(), 1u);  // an aborted fetch is not retried

  // The client stays usable, on a new connection.
  const fetch_result after = fetch(client, server.url("/"));
  EXPECT_OK(after);
  EXPECT_FALSE(after.reused_connection);
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST_F(HttpClientTest, CloseAllAbortsAStalledTlsHandshake) {
  stalling_listener listener(ioc_, "");
  http_client client = make_client();
  asio::steady_timer closer(ioc_, 100ms);
  closer.async_wait([&](boost::system::error_code) { client.close_all(); });
  const auto start = std::chrono::steady_clock::now();
  const fetch_result result = fetch(
      client, "https://127.0.0.1:" + std::to_string(listener.port()) + "/", fetch_limits{30s, 0});
  EXPECT_EQ(result.error, errc::cancelled);
  EXPECT_NE(result.detail.find("TLS handshake"), std::string::npos) << result.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST_F(HttpClientTest, CloseAllAbortsAFetchWaitingForItsLookup) {
  test_server server;
  server.route("/", [](const test_request&) { return ok("x"); });
  http_client client = make_client();
  // Queued behind the fetch's first step, which starts the lookup and waits for it: the lookup's
  // answer can only be delivered after close_all has run.
  std::optional<fetch_result> result;
  asio::co_spawn(ioc_, owned_fetch(client, request(server.url("/", "localhost")), quick()),
                 [&](std::exception_ptr e, fetch_result r) {
                   if (e) std::rethrow_exception(e);
                   result = std::move(r);
                 });
  asio::post(ioc_, [&] { client.close_all(); });
  ioc_.run();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error, errc::cancelled);
  EXPECT_NE(result->detail.find("lookup of localhost abandoned"), std::string::npos)
      << result->detail;
  EXPECT_EQ(server.connections_accepted(), 0u);
}

TEST_F(HttpClientTest, ConcurrentFetchesRunInParallelAndPoolIsCapped) {
  test_server server;
  server.route("/slow", [](const test_request&) { return test_reply{.body = "s", .delay = 100ms}; });
  http_client client = make_client(with([](client_options& o) { o.max_idle_per_host = 2; }));
  const std::vector<std::string> urls(8, server.url("/slow"));

  const auto start = std::chrono::steady_clock::now();
  for (const auto& result : fetch_all(client, urls)) EXPECT_OK(result);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);  // not 8 x 100 ms
  EXPECT_EQ(server.peak_concurrency(), 8u);
  EXPECT_EQ(server.peak_concurrency("127.0.0.1"), 8u);
  EXPECT_EQ(server.connections_accepted(), 8u);

  // Only two connections were kept: a second wave reuses two and opens six.
  std::size_t reused = 0;
  for (const auto& result : fetch_all(client, urls)) reused += result.reused_connection ? 1 : 0;
  EXPECT_EQ(reused, 2u);
  EXPECT_EQ(server.connections_accepted(), 14u);
}

TEST_F(HttpClientTest, HostNameResolvesThroughDns) {
  test_server server;
  server.route("/", [](const test_request& req) { return ok(req.host); });
  http_client client = make_client();
  const fetch_result result = fetch(client, server.url("/", "localhost"));
  EXPECT_OK(result);
  EXPECT_EQ(result.body, "localhost:" + std::to_string(server.port()));
  EXPECT_EQ(result.remote_ip, "127.0.0.1");
  EXPECT_EQ(server.peak_concurrency("localhost"), 1u);
}

TEST_F(HttpClientTest, UnknownHostIsDnsFailure) {
  http_client client = make_client();
  const fetch_result result = fetch(client, "http://no-such-host.invalid/");
  EXPECT_EQ(result.error, errc::dns_failed);
  EXPECT_NE(result.detail.find("no-such-host.invalid"), std::string::npos) << result.detail;
}

TEST_F(HttpClientTest, BadUrlsAndSchemes) {
  http_client client = make_client();
  EXPECT_EQ(fetch(client, "ftp://127.0.0.1/file").error, errc::unsupported_scheme);
  EXPECT_EQ(fetch(client, "mailto:someone@example.com").error, errc::unsupported_scheme);
  EXPECT_EQ(fetch(client, "http:///no-host").error, errc::bad_url);
  EXPECT_EQ(fetch(client, "not a url at all").error, errc::bad_url);
  EXPECT_EQ(fetch(client, "http://127.0.0.1:99999/").error, errc::bad_url);
  EXPECT_EQ(fetch(client, "http://127.0.0.1:0/").error, errc::bad_url);
}

TEST_F(HttpClientTest, ResolveIpGoesThroughTheCache) {
  http_client client = make_client();
  EXPECT_EQ(run(client.resolve_ip("localhost", "80", 5s)), "127.0.0.1");
  EXPECT_EQ(run(client.resolve_ip("127.0.0.1", "443", 5s)), "127.0.0.1");
  EXPECT_EQ(run(client.resolve_ip("[::1]", "443", 5s)), "::1");
  EXPECT_EQ(run(client.resolve_ip("no-such-host.invalid", "80", 5s)), "");
}

asio::awaitable<lookup_result> resolve_localhost(dns_cache& cache) {
  co_return co_await cache.resolve("localhost", 80, 5s);
}

TEST_F(HttpClientTest, DnsCacheSharesOneLookupAndRemembersIt) {
  dns_cache cache(ioc_.get_executor(), 300s);
  std::vector<lookup_result> results;
  for (int i = 0; i < 8; ++i) {
    asio::co_spawn(ioc_, resolve_localhost(cache), [&](std::exception_ptr, lookup_result r) {
      results.push_back(std::move(r));
    });
  }
  ioc_.run();
  ASSERT_EQ(results.size(), 8u);
  for (const auto& r : results) {
    ASSERT_FALSE(r.error) << r.detail;
    EXPECT_EQ(r.endpoints->front().address().to_string(), "127.0.0.1");
  }
  EXPECT_EQ(cache.lookups_started(), 1u);
  EXPECT_FALSE(run(resolve_localhost(cache)).error);
  EXPECT_EQ(cache.lookups_started(), 1u);

  // Abandoned waiters end at once; the lookup they left still fills the cache.
  dns_cache abandoned(ioc_.get_executor(), 300s);
  std::optional<lookup_result> woken;
  asio::co_spawn(ioc_, resolve_localhost(abandoned),
                 [&](std::exception_ptr, lookup_result r) { woken = std::move(r); });
  asio::post(ioc_, [&] { abandoned.abandon_waiters(); });
  ioc_.restart();
  ioc_.run();
  ASSERT_TRUE(woken.has_value());
  EXPECT_EQ(woken->error, errc::cancelled);
  EXPECT_FALSE(run(resolve_localhost(abandoned)).error);
  EXPECT_EQ(abandoned.lookups_started(), 1u);

  dns_cache uncached(ioc_.get_executor(), 0s);
  EXPECT_FALSE(run(resolve_localhost(uncached)).error);
  EXPECT_FALSE(run(resolve_localhost(uncached)).error);
  EXPECT_EQ(uncached.lookups_started(), 2u);
}

// ---- TLS ----------------------------------------------------------------------------------

class HttpsTest : public HttpClientTest {
 protected:
  static test_certificates& certs() {
    static test_certificates shared;
    return shared;
  }
};

TEST_F(HttpsTest, TrustedTestCaSucceedsAndConnectionIsReused) {
  test_server server({.tls = &certs()});
  server.route("/secure", [](const test_request&) { return ok("over tls"); });
  http_client client = make_client(trusting(certs().ca_file));
  for (const char* host : {"127.0.0.1", "localhost"}) {
    for (int i = 0; i < 3; ++i) {
      const fetch_result result = fetch(client, server.url("/secure", host));
      EXPECT_OK(result);
      EXPECT_EQ(result.body, "over tls");
      EXPECT_EQ(result.reused_connection, i > 0);
    }
  }
  EXPECT_EQ(server.connections_accepted(), 2u);  // one per origin
}

TEST_F(HttpsTest, UntrustedCertificateFailsWithTheReason) {
  test_server server({.tls = &certs()});
  server.route("/", [](const test_request&) { return ok("x"); });
  http_client client = make_client();
  const fetch_result result = fetch(client, server.url("/"));
  EXPECT_EQ(result.error, errc::tls_failed);
  EXPECT_NE(result.detail.find("certificate verify failed: self-signed certificate in certificate chain"),
            std::string::npos)
      << result.detail;
  EXPECT_EQ(server.requests_served(), 0u);
}

TEST_F(HttpsTest, VerificationCanBeTurnedOff) {
  test_server server({.tls = &certs()});
  server.route("/", [](const test_request&) { return ok("unverified"); });
  http_client client = make_client(with([](client_options& o) { o.verify_tls = false; }));
  const fetch_result result = fetch(client, server.url("/"));
  EXPECT_OK(result);
  EXPECT_EQ(result.body, "unverified");
}

TEST_F(HttpsTest, HostNameMismatchFails) {
  const test_certificates elsewhere({"www.example.test"});
  test_server server({.tls = &elsewhere});
  server.route("/", [](const test_request&) { return ok("x"); });
  http_client client = make_client(trusting(elsewhere.ca_file));

  const fetch_result by_ip = fetch(client, server.url("/", "127.0.0.1"));
  EXPECT_EQ(by_ip.error, errc::tls_failed);
  EXPECT_NE(by_ip.detail.find("IP address mismatch"), std::string::npos) << by_ip.detail;

  const fetch_result by_name = fetch(client, server.url("/", "localhost"));
  EXPECT_EQ(by_name.error, errc::tls_failed);
  EXPECT_NE(by_name.detail.find("hostname mismatch"), std::string::npos) << by_name.detail;
}

TEST_F(HttpsTest, BodyDelimitedByCloseWithoutCloseNotify) {
  test_server server({.tls = &certs()});
  server.route("/old", [](const test_request&) {
    return test_reply{.raw = "HTTP/1.0 200 OK\r\n\r\nuntil the end"};
  });
  http_client client = make_client(trusting(certs().ca_file));
  const fetch_result result = fetch(client, server.url("/old"));
  EXPECT_OK(result);
  EXPECT_EQ(result.body, "until the end");
}

TEST_F(HttpsTest, MissingCaFileIsAConfigurationError) {
  EXPECT_THROW(make_client(trusting("/nonexistent/ca.pem")), std::runtime_error);
}

}  // namespace
}  // namespace orbweaver::download
