// Proxies against the in-process forward proxy: the HTTP client alone (absolute-form requests,
// CONNECT tunnels, Proxy-Authorization, failures, the pool), then whole crawls through the
// http_proxy middleware (meta "proxy", the environment, no_proxy).
//
// Origins are often named "origin.test", which does not resolve: the test proxy connects to
// 127.0.0.1 whatever the name, so only a client that leaves the lookup to the proxy reaches them.
#include "crawl_runner.hpp"
#include "free_port.hpp"
#include "download/http_client.hpp"
#include "test_proxy.hpp"
#include "test_server.hpp"

#include <orbweaver/error.hpp>
#include <orbweaver/orbweaver.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>

namespace orbweaver::download {
namespace {

namespace asio = boost::asio;
using testing::run_finished_crawl;
using testing::proxy_request;
using testing::test_certificates;
using testing::test_proxy;
using testing::test_reply;
using testing::test_request;
using testing::test_server;
using namespace std::chrono_literals;

// "user:pass" as Basic credentials.
constexpr std::string_view user_pass_authorization = "Basic dXNlcjpwYXNz";

fetch_limits quick() { return fetch_limits{5s, 0}; }

request through(std::string url, std::string proxy) {
  request r(std::move(url));
  r.meta["proxy"] = std::move(proxy);
  return r;
}

std::string origin_test_url(const test_server& server, std::string_view path) {
  return server.url(path, "origin.test");
}

asio::awaitable<fetch_result> owned_fetch(http_client& client, request r, fetch_limits limits) {
  co_return co_await client.fetch(r, limits);
}


// Records one request header as each request reaches the origin ("" when absent).
class header_seen {
 public:
  explicit header_seen(std::string name) : name_(std::move(name)) {}
  testing::test_handler page(std::string body = "ok") {
    return [this, body](const test_request& req) {
      std::lock_guard lock(mutex_);
      values_.emplace_back(req.headers.get(name_).value_or(""));
      return test_reply{.body = body};
    };
  }
  std::vector<std::string> values() const {
    std::lock_guard lock(mutex_);
    return values_;
  }

 private:
  std::string name_;
  mutable std::mutex mutex_;
  std::vector<std::string> values_;
};

class ProxyClientTest : public ::testing::Test {
 protected:
  fetch_result fetch(http_client& client, request r, fetch_limits limits = quick()) {
    std::optional<fetch_result> out;
    asio::co_spawn(ioc_, owned_fetch(client, std::move(r), limits), [&](std::exception_ptr e, fetch_result value) {
      if (e) std::rethrow_exception(e);
      out = std::move(value);
    });
    ioc_.restart();
    while (!out && ioc_.run_one() != 0) {
    }
    EXPECT_TRUE(out.has_value());
    return out ? std::move(*out) : fetch_result{};
  }

  http_client make_client(std::string ca_file = {}) {
    client_options options;
    options.ca_file = std::move(ca_file);
    return http_client(ioc_.get_executor(), std::move(options));
  }

  asio::io_context ioc_;
};

#define EXPECT_OK(result) \
  EXPECT_FALSE((result).error) << error_name((result).error) << ": " << (result).detail

TEST_F(ProxyClientTest, HttpGoesToTheProxyInAbsoluteFormAndOnToTheOrigin) {
  test_server origin;
  std::mutex seen_mutex;
  test_request seen;
  origin.route("/page", [&](const test_request& req) {
    std::lock_guard lock(seen_mutex);
    seen = req;
    return test_reply{.body = "through the proxy"};
  });
  test_proxy proxy;
  http_client client = make_client();
  const std::string url = origin_test_url(origin, "/page?x=1");

  const fetch_result result = fetch(client, through(url, proxy.url()));
  EXPECT_OK(result);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "through the proxy");
  EXPECT_EQ(proxy.forwarded_count(), 1u);
  EXPECT_EQ(proxy.connect_count(), 0u);
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0].target, url);
  EXPECT_EQ(origin.arrivals("/page").size(), 1u);
  std::lock_guard lock(seen_mutex);
  EXPECT_EQ(seen.target, "/page?x=1");
  EXPECT_EQ(seen.host, "origin.test:" + std::to_string(origin.port()));
}

TEST_F(ProxyClientTest, HttpsTunnelsThroughConnectWithTlsToTheOrigin) {
  const test_certificates certs({"origin.test"});
  test_server origin(test_server::options{.tls = &certs});
  origin.route("/secure", [](const test_request&) { return test_reply{.body = "secret"}; });
  test_proxy proxy;
  http_client client = make_client(certs.ca_file);
  const std::string url = origin_test_url(origin, "/secure");

  const fetch_result first = fetch(client, through(url, proxy.url()));
  EXPECT_OK(first);
  EXPECT_EQ(first.body, "secret");
  EXPECT_FALSE(first.reused_connection);
  const fetch_result second = fetch(client, through(url, proxy.url()));
  EXPECT_OK(second);
  EXPECT_TRUE(second.reused_connection) << "the tunnel is pooled like a direct connection";

  EXPECT_EQ(proxy.connect_count(), 1u);
  EXPECT_EQ(proxy.tunnels_opened(), 1u);
  EXPECT_EQ(proxy.forwarded_count(), 0u);
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0].target, "origin.test:" + std::to_string(origin.port()));
  EXPECT_EQ(origin.arrivals("/secure").size(), 2u);
  EXPECT_EQ(origin.connections_accepted(), 1u);
}

TEST_F(ProxyClientTest, TunnelVerifiesTheCertificateAgainstTheOriginNotTheProxy) {
  const test_certificates certs;  // for 127.0.0.1 and localhost: the proxy's address, not the origin's
  test_server origin(test_server::options{.tls = &certs});
  test_proxy proxy;
  http_client client = make_client(certs.ca_file);

  const fetch_result result = fetch(client, through(origin_test_url(origin, "/"), proxy.url()));
  EXPECT_EQ(result.error, make_error_code(errc::tls_failed)) << result.detail;
  EXPECT_NE(result.detail.find("origin.test"), std::string::npos) << result.detail;
  EXPECT_EQ(proxy.tunnels_opened(), 1u);
  EXPECT_TRUE(origin.arrivals("/").empty());
}

TEST_F(ProxyClientTest, ProxyAuthorizationGoesToTheProxyButNeverIntoTheTunnel) {
  const test_certificates certs({"origin.test"});
  test_server secure(test_server::options{.tls = &certs});
  header_seen at_secure("Proxy-Authorization");
  secure.route("/", at_secure.page());
  test_server plain;
  plain.route("/", [](const test_request&) { return test_reply{.body = "ok"}; });
  test_proxy proxy(test_proxy::options{.required_authorization = std::string(user_pass_authorization)});
  http_client client = make_client(certs.ca_file);

  request tunnelled = through(origin_test_url(secure, "/"), proxy.url());
  tunnelled.headers.set("Proxy-Authorization", user_pass_authorization);
  EXPECT_OK(fetch(client, tunnelled));
  request forwarded = through(origin_test_url(plain, "/"), proxy.url());
  forwarded.headers.set("Proxy-Authorization", user_pass_authorization);
  EXPECT_OK(fetch(client, forwarded));

  const std::vector<proxy_request> seen = proxy.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "CONNECT");
  EXPECT_EQ(seen[0].authorization, user_pass_authorization);
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].authorization, user_pass_authorization);
  EXPECT_EQ(at_secure.values(), std::vector<std::string>{""}) << "the origin saw the proxy's credentials";
}

TEST_F(ProxyClientTest, RefusedConnectIsProxyFailedNamingTheProxyAndItsAnswer) {
  const test_certificates certs({"origin.test"});
  test_server secure(test_server::options{.tls = &certs});
  test_server plain;
  test_proxy proxy(test_proxy::options{.required_authorization = std::string(user_pass_authorization)});
  http_client client = make_client(certs.ca_file);

  const fetch_result refused = fetch(client, through(origin_test_url(secure, "/"), proxy.url()));
  EXPECT_EQ(refused.error, make_error_code(errc::proxy_failed)) << refused.detail;
  EXPECT_NE(refused.detail.find("proxy 127.0.0.1:" + std::to_string(proxy.port())), std::string::npos)
      << refused.detail;
  EXPECT_NE(refused.detail.find("407"), std::string::npos) << refused.detail;
  EXPECT_EQ(secure.connections_accepted(), 0u);

  // For http the proxy's 407 is the response, as any other status.
  const fetch_result answered = fetch(client, through(origin_test_url(plain, "/"), proxy.url()));
  EXPECT_OK(answered);
  EXPECT_EQ(answered.status, 407);
  EXPECT_TRUE(plain.arrivals("/").empty());
}

TEST_F(ProxyClientTest, UnreachableProxyIsConnectFailedNamingTheProxy) {
  test_server origin;
  http_client client = make_client();
  const testing::refusing_port refusing;
  const unsigned short port = refusing.port();
  const fetch_result result =
      fetch(client, through(origin.url("/"), "http://127.0.0.1:" + std::to_string(port)));
  EXPECT_EQ(result.error, make_error_code(errc::connect_failed)) << result.detail;
  EXPECT_NE(result.detail.find("proxy 127.0.0.1:" + std::to_string(port)), std::string::npos) << result.detail;
  EXPECT_EQ(origin.connections_accepted(), 0u) << "no direct connection instead";
}

TEST_F(ProxyClientTest, ConnectExchangeHasTheTimeoutOfAPhase) {
  test_proxy proxy(test_proxy::options{.stall = true});
  http_client client = make_client();
  const auto started = std::chrono::steady_clock::now();
  const fetch_result result =
      fetch(client, through("https://origin.test:443/", proxy.url()), fetch_limits{300ms, 0});
  EXPECT_EQ(result.error, make_error_code(errc::download_timeout)) << result.detail;
  EXPECT_NE(result.detail.find("CONNECT"), std::string::npos) << result.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(proxy.connect_count(), 1u);
}

TEST_F(ProxyClientTest, PoolKeepsDirectAndProxiedConnectionsApart) {
  test_server origin;
  origin.route("/", [](const test_request&) { return test_reply{.body = "ok"}; });
  test_proxy first_proxy;
  test_proxy second_proxy;
  http_client client = make_client();
  const std::string url = origin.url("/");

  EXPECT_FALSE(fetch(client, request(url)).reused_connection);
  EXPECT_FALSE(fetch(client, through(url, first_proxy.url())).reused_connection);
  EXPECT_EQ(first_proxy.forwarded_count(), 1u);
  EXPECT_TRUE(fetch(client, request(url)).reused_connection);
  EXPECT_EQ(first_proxy.forwarded_count(), 1u) << "a direct request went to the proxy";
  EXPECT_TRUE(fetch(client, through(url, first_proxy.url())).reused_connection);
  EXPECT_EQ(first_proxy.forwarded_count(), 2u) << "a proxied request went straight to the origin";
  EXPECT_FALSE(fetch(client, through(url, second_proxy.url())).reused_connection);
  EXPECT_EQ(second_proxy.forwarded_count(), 1u);
  EXPECT_EQ(first_proxy.forwarded_count(), 2u);

  EXPECT_EQ(first_proxy.connections_accepted(), 1u);
  EXPECT_EQ(client.connections_opened(), 3u);
  EXPECT_EQ(origin.arrivals("/").size(), 5u);
}

TEST_F(ProxyClientTest, PoolKeepsDirectConnectionsAndTunnelsOfOtherCredentialsApart) {
  const test_certificates certs;
  test_server origin(test_server::options{.tls = &certs});
  origin.route("/", [](const test_request&) { return test_reply{.body = "ok"}; });
  test_proxy proxy;
  http_client client = make_client(certs.ca_file);
  const std::string url = origin.url("/");
  request with_credentials = through(url, proxy.url());
  with_credentials.headers.set("Proxy-Authorization", user_pass_authorization);

  EXPECT_FALSE(fetch(client, request(url)).reused_connection);
  EXPECT_FALSE(fetch(client, through(url, proxy.url())).reused_connection);
  EXPECT_EQ(proxy.connect_count(), 1u);
  EXPECT_TRUE(fetch(client, request(url)).reused_connection);
  EXPECT_EQ(proxy.connect_count(), 1u);
  EXPECT_FALSE(fetch(client, with_credentials).reused_connection)
      << "a tunnel opened without credentials carried a request that has its own";
  EXPECT_EQ(proxy.connect_count(), 2u);
  EXPECT_TRUE(fetch(client, through(url, proxy.url())).reused_connection);
  EXPECT_EQ(proxy.connect_count(), 2u);
}

TEST_F(ProxyClientTest, OnlyHttpProxiesAreSupported) {
  http_client client = make_client();
  const fetch_result result = fetch(client, through("http://origin.test/", "socks5://127.0.0.1:1080"));
  EXPECT_EQ(result.error, make_error_code(errc::unsupported_scheme)) << result.detail;
  EXPECT_EQ(client.connections_opened(), 0u);
}

// ---- whole crawls through the http_proxy middleware -------------------------------------------

// Sets the proxy variables for one test (the six names; unset unless given) and restores them.
class scoped_proxy_environment {
 public:
  explicit scoped_proxy_environment(const std::map<std::string, std::string>& values) {
    for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"}) {
      const char* before = std::getenv(name);
      saved_.emplace_back(name, before ? std::optional<std::string>(before) : std::nullopt);
      const auto given = values.find(name);
      if (given == values.end()) {
        ::unsetenv(name);
      } else {
        ::setenv(name, given->second.c_str(), 1);
      }
    }
  }
  ~scoped_proxy_environment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  scoped_proxy_environment(const scoped_proxy_environment&) = delete;
  scoped_proxy_environment& operator=(const scoped_proxy_environment&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

class probe_spider : public spider {
 public:
  probe_spider() { name = "proxy_probe"; }
  std::vector<request> requests;  // start requests; empty: start_urls
  std::mutex mutex;
  std::vector<std::string> answered;  // "<status> <url>", guarded by mutex: callbacks run on the pool
  std::vector<std::string> failures;  // error names

  std::vector<request> start_requests() override {
    if (requests.empty()) return spider::start_requests();
    for (auto& r : requests) {
      r.errback = [](spider& s, const failure& f, output&) {
        auto& self = static_cast<probe_spider&>(s);
        std::lock_guard lock(self.mutex);
        self.failures.push_back(error_name(f.error));
      };
    }
    return requests;
  }
  void parse(const response& r, output&) override {
    std::lock_guard lock(mutex);
    answered.push_back(std::to_string(r.status()) + " " + r.url());
  }
  std::vector<std::string> sorted_answers() {
    std::lock_guard lock(mutex);
    auto out = answered;
    std::sort(out.begin(), out.end());
    return out;
  }
};

std::vector<std::string> sorted_targets(const test_proxy& proxy) {
  std::vector<std::string> targets;
  for (const auto& r : proxy.requests()) targets.push_back(r.target);
  std::sort(targets.begin(), targets.end());
  return targets;
}

TEST(ProxyCrawl, MetaProxyCredentialsBecomeProxyAuthorizationForHttpAndHttps) {
  const scoped_proxy_environment no_proxies({});
  const test_certificates certs({"origin.test"});
  test_server secure(test_server::options{.tls = &certs});
  header_seen at_secure("Proxy-Authorization");
  secure.route("/secure", at_secure.page());
  test_server plain;
  plain.route("/plain", [](const test_request&) { return test_reply{.body = "ok"}; });
  test_proxy proxy(test_proxy::options{.required_authorization = std::string(user_pass_authorization)});

  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  const std::string plain_url = origin_test_url(plain, "/plain");
  const std::string secure_url = origin_test_url(secure, "/secure");
  s->requests = {through(plain_url, proxy.url("user:pass")), through(secure_url, proxy.url("user:pass"))};
  auto result = run_finished_crawl(std::move(s), {{"DOWNLOAD_CA_FILE", certs.ca_file}});

  EXPECT_EQ(spy->sorted_answers(), (std::vector<std::string>{"200 " + plain_url, "200 " + secure_url}));
  EXPECT_EQ(proxy.forwarded_count(), 1u);
  EXPECT_EQ(proxy.connect_count(), 1u);
  for (const auto& seen : proxy.requests()) EXPECT_EQ(seen.authorization, user_pass_authorization) << seen.target;
  EXPECT_EQ(at_secure.values(), std::vector<std::string>{""});
}

TEST(ProxyCrawl, EnvironmentProxiesBySchemeAndNoProxy) {
  const test_certificates certs;
  test_server secure(test_server::options{.tls = &certs});
  secure.route("/secure", [](const test_request&) { return test_reply{.body = "ok"}; });
  test_server plain;
  plain.route("/via", [](const test_request&) { return test_reply{.body = "ok"}; });
  plain.route("/direct", [](const test_request&) { return test_reply{.body = "ok"}; });
  test_proxy proxy;
  const scoped_proxy_environment env(
      {{"http_proxy", proxy.url()}, {"HTTPS_PROXY", proxy.url()}, {"no_proxy", "example.org, .localhost"}});

  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->start_urls = {plain.url("/via"), plain.url("/direct", "localhost"), secure.url("/secure")};
  auto result = run_finished_crawl(std::move(s), {{"DOWNLOAD_CA_FILE", certs.ca_file}});

  EXPECT_EQ(spy->sorted_answers().size(), 3u);
  EXPECT_EQ(sorted_targets(proxy), (std::vector<std::string>{"127.0.0.1:" + std::to_string(secure.port()),
                                                             plain.url("/via")}));
}

TEST(ProxyCrawl, EmptyMetaProxyBypassesTheEnvironment) {
  test_server origin;
  origin.route("/direct", [](const test_request&) { return test_reply{.body = "ok"}; });
  origin.route("/proxied", [](const test_request&) { return test_reply{.body = "ok"}; });
  test_proxy proxy;
  const scoped_proxy_environment env({{"http_proxy", proxy.url()}});

  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->requests = {through(origin.url("/direct"), ""), request(origin.url("/proxied"))};
  auto result = run_finished_crawl(std::move(s));

  EXPECT_EQ(spy->sorted_answers().size(), 2u);
  EXPECT_EQ(sorted_targets(proxy), std::vector<std::string>{origin.url("/proxied")});
}

TEST(ProxyCrawl, DisabledMiddlewareLeavesTheEnvironmentAlone) {
  test_server origin;
  origin.route("/", [](const test_request&) { return test_reply{.body = "ok"}; });
  test_proxy proxy;
  const scoped_proxy_environment env({{"http_proxy", proxy.url()}});

  auto s = std::make_unique<probe_spider>();
  s->start_urls = {origin.url("/")};
  auto result = run_finished_crawl(std::move(s), {{"HTTPPROXY_ENABLED", "false"}});

  EXPECT_EQ(origin.arrivals("/").size(), 1u);
  EXPECT_EQ(proxy.connections_accepted(), 0u);
}

TEST(ProxyCrawl, RedirectToANoProxyHostLeavesTheEnvironmentProxy) {
  test_server origin;
  origin.route("/start", [&origin](const test_request&) {
    return test_reply{.status = 302, .headers = {{"Location", origin.url("/end", "localhost")}}};
  });
  origin.route("/end", [](const test_request&) { return test_reply{.body = "ok"}; });
  test_proxy proxy;
  const scoped_proxy_environment env({{"http_proxy", proxy.url()}, {"no_proxy", "localhost"}});

  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  s->start_urls = {origin.url("/start")};
  auto result = run_finished_crawl(std::move(s));

  EXPECT_EQ(spy->sorted_answers(), std::vector<std::string>{"200 " + origin.url("/end", "localhost")});
  EXPECT_EQ(sorted_targets(proxy), std::vector<std::string>{origin.url("/start")});
}

TEST(ProxyCrawl, RefusedOrUnreachableProxiesAreCountedFailures) {
  const scoped_proxy_environment no_proxies({});
  const test_certificates certs({"origin.test"});
  test_server secure(test_server::options{.tls = &certs});
  test_proxy proxy(test_proxy::options{.required_authorization = std::string(user_pass_authorization)});

  auto s = std::make_unique<probe_spider>();
  auto* spy = s.get();
  const testing::refusing_port refusing;
  s->requests = {through(origin_test_url(secure, "/refused"), proxy.url()),
                 through(origin_test_url(secure, "/unreachable"), "http://127.0.0.1:" + std::to_string(refusing.port()))};
  auto result = run_finished_crawl(std::move(s), {{"DOWNLOAD_CA_FILE", certs.ca_file}, {"RETRY_ENABLED", "false"}});

  EXPECT_EQ(result.stats.get("downloader/exception_type_count/proxy_failed"), 1);
  EXPECT_EQ(result.stats.get("downloader/exception_type_count/connect_failed"), 1);
  std::lock_guard lock(spy->mutex);
  std::sort(spy->failures.begin(), spy->failures.end());
  EXPECT_EQ(spy->failures, (std::vector<std::string>{"connect_failed", "proxy_failed"}));
  EXPECT_TRUE(spy->answered.empty());
  EXPECT_EQ(secure.connections_accepted(), 0u);
}

}  // namespace
}  // namespace orbweaver::download
