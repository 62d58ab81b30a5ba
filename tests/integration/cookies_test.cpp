// The cookies middleware in whole crawls: a login sets a session cookie that later pages need.
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>


#include <map>
#include <mutex>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

// Start requests and callbacks come from the test; bodies are recorded by a key of its choice.
class session_spider : public spider {
 public:
  session_spider() { name = "sessions"; }
  std::vector<request> starts;
  std::mutex mutex;
  std::map<std::string, std::string> bodies;  // guarded by mutex: callbacks run concurrently

  std::vector<request> start_requests() override { return starts; }
  void record(const std::string& key, const response& r) {
    std::lock_guard lock(mutex);
    bodies[key] = r.body();
  }
};

std::string query_value(std::string_view target, std::string_view key) {
  const std::string needle = std::string(key) + "=";
  auto at = target.find(needle);
  if (at == std::string_view::npos) return {};
  auto value = target.substr(at + needle.size());
  return std::string(value.substr(0, value.find('&')));
}

// /login?user=U sets session=U; /login-redirect?user=U does the same on a 302 to /private;
// /rotate replaces the session and drops the theme on a 302 to /whoami; /private answers 403
// without a session; /logout expires the session; /whoami echoes the
// Cookie header it got.
struct session_site {
  test_server server;
  std::mutex mutex;
  std::vector<std::string> cookies_at_login;  // the Cookie headers /login received

  session_site() {
    server.route("/login", [this](const test_request& r) {
      {
        std::lock_guard lock(mutex);
        cookies_at_login.emplace_back(r.headers.get("Cookie").value_or(""));
      }
      return test_reply{.headers = {{"Set-Cookie", "session=" + query_value(r.target, "user") + "; Path=/; HttpOnly"},
                                    {"Set-Cookie", "theme=dark; Path=/"}},
                        .body = "logged in"};
    });
    server.route("/login-redirect", [](const test_request& r) {
      return test_reply{.status = 302,
                        .headers = {{"Set-Cookie", "session=" + query_value(r.target, "user") + "; Path=/"},
                                    {"Location", "/private"}}};
    });
    server.route("/rotate", [](const test_request&) {
      return test_reply{.status = 302,
                        .headers = {{"Set-Cookie", "session=rotated; Path=/"},
                                    {"Set-Cookie", "theme=; Path=/; Max-Age=0"},
                                    {"Location", "/whoami?rotated"}}};
    });
    server.route("/private", [](const test_request& r) {
      auto cookie = r.headers.get("Cookie").value_or("");
      auto at = cookie.find("session=");
      if (at == std::string_view::npos) return test_reply{.status = 403, .body = "who are you?"};
      auto session = cookie.substr(at + 8);
      return test_reply{.body = "welcome " + std::string(session.substr(0, session.find(';')))};
    });
    server.route("/logout", [](const test_request&) {
      return test_reply{.headers = {{"Set-Cookie", "session=; Path=/; Max-Age=0"}}, .body = "bye"};
    });
    server.route("/whoami", [](const test_request& r) {
      return test_reply{.body = "cookie:" + std::string(r.headers.get("Cookie").value_or(""))};
    });
  }
};

// A request whose callback records the body under key and then emits the next requests.
request step(std::string url, std::string key, json::object meta = {},
             std::function<std::vector<request>()> next = {}) {
  request r(std::move(url), [key, next](spider& s, const response& resp, output& out) {
    static_cast<session_spider&>(s).record(key, resp);
    if (next)
      for (auto& n : next()) out.emit(std::move(n));
  });
  r.meta = std::move(meta);
  return r;
}

}  // namespace

TEST(Cookies, LoginCookieOpensThePrivatePage) {
  session_site site;
  auto s = std::make_unique<session_spider>();
  auto* spy = s.get();
  spy->starts.push_back(step(site.server.url("/login?user=alice"), "login", {}, [&] {
    return std::vector<request>{step(site.server.url("/private"), "private")};
  }));
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(spy->bodies["private"], "welcome alice");
  ASSERT_EQ(site.cookies_at_login.size(), 1u);
  EXPECT_EQ(site.cookies_at_login[0], "") << "nothing to send before the login";
}

TEST(Cookies, CookieSetOnARedirectIsSentToItsTarget) {
  session_site site;
  auto s = std::make_unique<session_spider>();
  auto* spy = s.get();
  spy->starts.push_back(step(site.server.url("/login-redirect?user=carol"), "after_redirect"));
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(spy->bodies["after_redirect"], "welcome carol");
}

TEST(Cookies, SameSiteRedirectSendsTheJarsNewValues) {
  session_site site;
  auto s = std::make_unique<session_spider>();
  auto* spy = s.get();
  spy->starts.push_back(step(site.server.url("/login?user=alice"), "login", {}, [&] {
    return std::vector<request>{step(site.server.url("/rotate"), "rotated")};
  }));
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(spy->bodies["rotated"], "cookie:session=rotated");
}

TEST(Cookies, SeparateJarsKeepSessionsApart) {
  session_site site;
  auto s = std::make_unique<session_spider>();
  auto* spy = s.get();
  // The keys are any JSON values: a number for one session, a string for the other.
  for (const auto& [user, jar] : {std::pair<std::string, json::value>{"alice", 1}, {"bob", "b"}}) {
    json::object meta{{"cookiejar", jar}};
    spy->starts.push_back(step(site.server.url("/login?user=" + user), "login " + user, meta, [&site, user, meta] {
      return std::vector<request>{step(site.server.url("/whoami?as=" + user), "whoami " + user, meta)};
    }));
  }
  // The default jar saw no login.
  spy->starts.push_back(step(site.server.url("/whoami?as=nobody"), "whoami nobody"));
  auto result = run_crawl(std::move(s), {{"CONCURRENT_REQUESTS", "1"}});
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(spy->bodies["whoami alice"], "cookie:session=alice; theme=dark");
  EXPECT_EQ(spy->bodies["whoami bob"], "cookie:session=bob; theme=dark");
  EXPECT_EQ(spy->bodies["whoami nobody"], "cookie:");
}

TEST(Cookies, MaxAgeZeroRemovesTheCookie) {
  session_site site;
  auto s = std::make_unique<session_spider>();
  auto* spy = s.get();
  spy->starts.push_back(step(site.server.url("/login?user=alice"), "login", {}, [&] {
    return std::vector<request>{step(site.server.url("/logout"), "logout", {}, [&] {
      return std::vector<request>{step(site.server.url("/whoami"), "whoami")};
    })};
  }));
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(spy->bodies["logout"], "bye");
  EXPECT_EQ(spy->bodies["whoami"], "cookie:theme=dark");
}

TEST(Cookies, DontMergeCookiesSendsNoneAndStoresNone) {
  session_site site;
  auto s = std::make_unique<session_spider>();
  auto* spy = s.get();
  json::object skip{{"dont_merge_cookies", true}};
  spy->starts.push_back(step(site.server.url("/login?user=alice"), "login", {}, [&site, skip] {
    return std::vector<request>{step(site.server.url("/login?user=mallory"), "skipped", skip, [&site] {
      return std::vector<request>{step(site.server.url("/whoami"), "after")};
    })};
  }));
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(result.reason, "finished");
  ASSERT_EQ(site.cookies_at_login.size(), 2u);
  EXPECT_EQ(site.cookies_at_login[1], "") << "alice's cookies were not sent";
  EXPECT_EQ(spy->bodies["after"], "cookie:session=alice; theme=dark") << "mallory's session was not stored";
}

TEST(Cookies, RequestsOwnCookieHeaderIsKept) {
  session_site site;
  auto s = std::make_unique<session_spider>();
  auto* spy = s.get();
  spy->starts.push_back(step(site.server.url("/login?user=alice"), "login", {}, [&] {
    auto r = step(site.server.url("/whoami"), "whoami");
    r.headers.set("Cookie", "theme=light; lang=fr");
    return std::vector<request>{std::move(r)};
  }));
  auto result = run_crawl(std::move(s));
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(spy->bodies["whoami"], "cookie:theme=light; lang=fr; session=alice");
}

TEST(Cookies, DisabledSendsNone) {
  session_site site;
  auto s = std::make_unique<session_spider>();
  auto* spy = s.get();
  spy->starts.push_back(step(site.server.url("/login?user=alice"), "login", {}, [&] {
    return std::vector<request>{step(site.server.url("/whoami"), "whoami")};
  }));
  auto result = run_crawl(std::move(s), {{"COOKIES_ENABLED", "false"}});
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(spy->bodies["login"], "logged in");
  EXPECT_EQ(spy->bodies["whoami"], "cookie:");
}

TEST(Cookies, DebugLogsEveryCookieSentAndReceived) {
  session_site site;
  auto s = std::make_unique<session_spider>();
  s->starts.push_back(step(site.server.url("/login?user=alice"), "login", {}, [&] {
    return std::vector<request>{step(site.server.url("/whoami"), "whoami")};
  }));
  auto result = run_crawl_with_log(std::move(s), {{"COOKIES_DEBUG", "true"}, {"LOG_LEVEL", "DEBUG"}});
  EXPECT_EQ(result.reason, "finished");
  const std::string& log = result.log;
  EXPECT_NE(log.find("[cookies] DEBUG: Received cookie from 200 <" + site.server.url("/login?user=alice") +
                     ">: Set-Cookie: session=alice; Path=/; HttpOnly"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("[cookies] DEBUG: Sending cookies to <GET " + site.server.url("/whoami") +
                     ">: Cookie: session=alice; theme=dark"),
            std::string::npos);
}
