// Headers the built-in middlewares add to requests, as the server receives them: rotating user
// agents, basic authentication limited to its domain, Referer.
#include "downloader/default_headers.hpp"
#include "core/domains.hpp"
#include "downloader/http_auth.hpp"
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <map>
#include <mutex>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

class link_spider : public spider {
 public:
  link_spider() { name = "headers_probe"; }
  std::vector<request> requests;  // start requests; empty: start_urls

  std::vector<request> start_requests() override { return requests.empty() ? spider::start_requests() : requests; }
  void parse(const response& r, output& out) override { out.follow_all(r.css("a::attr(href)")); }
};

// Records one header of every request the server receives, by path ("" when absent).
class header_log {
 public:
  explicit header_log(std::string name) : name_(std::move(name)) {}
  test_handler page(std::string body = "ok") {
    return [this, body](const test_request& req) {
      std::lock_guard lock(mutex_);
      seen_[req.host.substr(0, req.host.find(':')) + req.path].emplace_back(req.headers.get(name_).value_or(""));
      return test_reply{.body = body};
    };
  }
  std::vector<std::string> at(const std::string& host_and_path) {
    std::lock_guard lock(mutex_);
    return seen_[host_and_path];
  }
  std::vector<std::string> all() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> values;
    for (const auto& [path, v] : seen_) values.insert(values.end(), v.begin(), v.end());
    return values;
  }

 private:
  std::string name_;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::string>> seen_;
};

}  // namespace

TEST(UserAgent, RotatesThroughTheListRoundRobin) {
  test_server server;
  header_log agents("User-Agent");
  auto s = std::make_unique<link_spider>();
  for (int i = 0; i < 6; ++i) {
    std::string path = "/p" + std::to_string(i);
    server.route(path, agents.page());
    s->start_urls.push_back(server.url(path));
  }
  const std::string agent_list = R"json(["Mozilla/5.0 (X11; Linux x86_64) (KHTML, like Gecko)", "agent two", "agent three"])json";
  auto result = run_finished_crawl(std::move(s), {{"USER_AGENT_LIST", agent_list}});

  auto seen = agents.all();
  ASSERT_EQ(seen.size(), 6u);
  std::map<std::string, int> counts;
  for (const auto& a : seen) ++counts[a];
  EXPECT_EQ(counts, (std::map<std::string, int>{
                        {"Mozilla/5.0 (X11; Linux x86_64) (KHTML, like Gecko)", 2}, {"agent two", 2}, {"agent three", 2}}));
}

TEST(UserAgent, ARequestsOwnAgentAndTheDefault) {
  test_server server;
  header_log agents("User-Agent");
  server.route("/own", agents.page());
  server.route("/default", agents.page());
  auto s = std::make_unique<link_spider>();
  s->requests.emplace_back(server.url("/own"));
  s->requests.back().headers.set("User-Agent", "mine/1");
  s->requests.emplace_back(server.url("/default"));
  auto result = run_finished_crawl(std::move(s), {{"USER_AGENT", "project-bot/2"}});

  EXPECT_EQ(agents.at("127.0.0.1/own"), std::vector<std::string>{"mine/1"});
  EXPECT_EQ(agents.at("127.0.0.1/default"), std::vector<std::string>{"project-bot/2"});
}

TEST(UserAgent, ListMustBeAJsonArrayOfStrings) {
  EXPECT_EQ(middlewares::parse_user_agent_list(""), std::vector<std::string>{});
  EXPECT_EQ(middlewares::parse_user_agent_list(R"(["a, b", "c"])"), (std::vector<std::string>{"a, b", "c"}));
  EXPECT_THROW(middlewares::parse_user_agent_list("a, b"), settings_error);
  EXPECT_THROW(middlewares::parse_user_agent_list(R"(["a", 3])"), settings_error);
  EXPECT_THROW(middlewares::parse_user_agent_list(R"([""])"), settings_error);
}

TEST(HttpAuth, BasicCredentialsAreBase64) {
  EXPECT_EQ(middlewares::basic_authorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(middlewares::basic_authorization("a", ""), "Basic YTo=");
  EXPECT_EQ(middlewares::basic_authorization("ab", "c"), "Basic YWI6Yw==");
}

TEST(HttpAuth, DomainCoversItsSubdomainsOnly) {
  EXPECT_TRUE(host_in_domain("example.com", "example.com"));
  EXPECT_TRUE(host_in_domain("api.example.com", "example.com"));
  EXPECT_FALSE(host_in_domain("badexample.com", "example.com"));
  EXPECT_FALSE(host_in_domain("example.com.evil.net", "example.com"));
  EXPECT_FALSE(host_in_domain("", "example.com"));
}

TEST(HttpAuth, SentToTheFirstRequestsHostOnly) {
  test_server server;
  header_log auth("Authorization");
  server.route("/", auth.page("<a href='/inside'>in</a><a href='" + server.url("/outside", "localhost") + "'>out</a>"));
  server.route("/inside", auth.page());
  server.route("/outside", auth.page());
  auto s = std::make_unique<link_spider>();
  s->start_urls = {server.url("/")};
  auto result = run_finished_crawl(std::move(s), {{"HTTP_USER", "alice"}, {"HTTP_PASS", "secret"}});

  const std::string expected = middlewares::basic_authorization("alice", "secret");
  EXPECT_EQ(auth.at("127.0.0.1/"), std::vector<std::string>{expected});
  EXPECT_EQ(auth.at("127.0.0.1/inside"), std::vector<std::string>{expected});
  EXPECT_EQ(auth.at("localhost/outside"), std::vector<std::string>{""}) << "credentials leaked to another host";
}

TEST(HttpAuth, ConfiguredDomainAndARequestsOwnHeader) {
  test_server server;
  header_log auth("Authorization");
  server.route("/a", auth.page());
  server.route("/b", auth.page());
  auto s = std::make_unique<link_spider>();
  s->requests.emplace_back(server.url("/a"));  // first, but not the configured domain
  s->requests.emplace_back(server.url("/a", "localhost"));
  s->requests.emplace_back(server.url("/b", "localhost"));
  s->requests.back().headers.set("Authorization", "Bearer token");
  auto result = run_finished_crawl(std::move(s), {{"HTTP_USER", "bob"}, {"HTTP_PASS", "pw"}, {"HTTP_AUTH_DOMAIN", "localhost"}});

  EXPECT_EQ(auth.at("127.0.0.1/a"), std::vector<std::string>{""});
  EXPECT_EQ(auth.at("localhost/a"), std::vector<std::string>{middlewares::basic_authorization("bob", "pw")});
  EXPECT_EQ(auth.at("localhost/b"), std::vector<std::string>{"Bearer token"});
}

TEST(HttpAuth, NothingSentWithoutCredentials) {
  test_server server;
  header_log auth("Authorization");
  server.route("/", auth.page());
  auto s = std::make_unique<link_spider>();
  s->start_urls = {server.url("/")};
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(auth.at("127.0.0.1/"), std::vector<std::string>{""});
}

TEST(Referer, TheServerSeesThePageALinkCameFrom) {
  test_server server;
  header_log referers("Referer");
  server.route("/start", referers.page("<a href='/next#section'>next</a>"));
  server.route("/next", referers.page());
  auto s = std::make_unique<link_spider>();
  s->start_urls = {server.url("/start?q=1")};
  auto result = run_finished_crawl(std::move(s));

  EXPECT_EQ(referers.at("127.0.0.1/start"), std::vector<std::string>{""}) << "a start request has no referrer";
  EXPECT_EQ(referers.at("127.0.0.1/next"), std::vector<std::string>{server.url("/start?q=1")});
}

TEST(Referer, DisabledSendsNone) {
  test_server server;
  header_log referers("Referer");
  server.route("/start", referers.page("<a href='/next'>next</a>"));
  server.route("/next", referers.page());
  auto s = std::make_unique<link_spider>();
  s->start_urls = {server.url("/start")};
  auto result = run_finished_crawl(std::move(s), {{"REFERER_ENABLED", "false"}});
  EXPECT_EQ(referers.at("127.0.0.1/next"), std::vector<std::string>{""});
}
