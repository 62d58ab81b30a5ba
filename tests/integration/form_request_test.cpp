// Forms and JSON bodies on the wire: a spider submits a page's forms (POST and GET) and a JSON
// request to the in-process server, which records exactly what it received.
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <map>
#include <mutex>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

const std::string login_page = R"(<html><head><title>Log in</title></head><body>
<form id="search" action="/search?stale=1"><input name="q" value="old"><input type="submit" value="Go"></form>
<form id="login" action="/session" method="post">
  <input type="hidden" name="csrf" value="t0k&n">
  <input name="user"><input type="password" name="pass">
  <select name="lang"><option value="en">English</option><option value="fr" selected>Français</option></select>
  <input type="checkbox" name="remember" checked><input type="checkbox" name="newsletter" value="yes">
  <textarea name="note">line 1
line 2</textarea>
  <input type="submit" name="action" value="Log in"><input type="submit" name="action" value="Register">
</form></body></html>)";

class form_spider : public spider {
 public:
  form_spider() { name = "form_request_test"; }

  void parse(const response& r, output& out) override {
    out.emit(form_request::from_response(r, {.formid = "login", .formdata = {{"user", "ann e"}, {"pass", "s3cr=t"}}},
                                         &form_spider::after_login));
    out.emit(form_request::from_response(r, {.formid = "search", .formdata = {{"q", "lyon jobs"}}},
                                         &form_spider::ignore));
  }
  void after_login(const response& r, output& out) {
    out.emit(json_request(*r.urljoin("/api"), {{"city", "Lyon"}, {"page", 2}}, &form_spider::ignore));
  }
  void ignore(const response&, output&) {}
};

}  // namespace

TEST(FormRequestCrawl, TheServerReceivesTheFormsAndTheJsonAsABrowserSendsThem) {
  test_server server;
  std::mutex mutex;
  std::map<std::string, test_request> received;  // by path
  auto record = [&](const test_request& req) {
    std::lock_guard lock(mutex);
    received[req.path] = req;
    return test_reply{.body = "<html></html>"};
  };
  server.route("/login", [](const test_request&) { return test_reply{.body = login_page}; });
  for (const char* path : {"/session", "/search", "/api"}) server.route(path, record);

  auto s = std::make_unique<form_spider>();
  s->start_urls = {server.url("/login")};
  auto result = run_finished_crawl(std::move(s));

  std::lock_guard lock(mutex);
  ASSERT_TRUE(received.contains("/session"));
  const test_request& login = received["/session"];
  EXPECT_EQ(login.method, "POST");
  EXPECT_EQ(login.headers.get("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(login.body,
            "csrf=t0k%26n&lang=fr&remember=on&note=line+1%0D%0Aline+2&action=Log+in&user=ann+e&pass=s3cr%3Dt");

  ASSERT_TRUE(received.contains("/search"));
  EXPECT_EQ(received["/search"].method, "GET");
  EXPECT_EQ(received["/search"].target, "/search?q=lyon+jobs");
  EXPECT_EQ(received["/search"].body, "");

  ASSERT_TRUE(received.contains("/api"));
  const test_request& api = received["/api"];
  EXPECT_EQ(api.method, "POST");
  EXPECT_EQ(api.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(api.headers.get("Accept"), "application/json, text/javascript, */*; q=0.01");
  EXPECT_EQ(api.body, R"({"city":"Lyon","page":2})");
}
