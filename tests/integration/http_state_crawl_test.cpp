// The http-state cookie parser cases (tests/conformance/http-state) as a crawl: a loopback server
// answers /cookie-parser?NAME with the case's Set-Cookie headers and its redirect, and echoes the
// Cookie header it receives at the redirect's target. Requests go through the test proxy, so the
// cases' own host names (home.example.org, sibling.example.org, ...) reach the server, and each
// case has its own cookie jar (meta "cookiejar"). This checks what the unit test cannot: that
// the HTTP client, the cookies and redirect middlewares hand the jar the headers as sent and send
// its Cookie header back unchanged.
#include "conformance_expectations.hpp"
#include "crawl_runner.hpp"
#include "http_state_cases.hpp"
#include "test_proxy.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>
#include <orbweaver/url.hpp>

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

const std::filesystem::path suite = std::filesystem::path(ORBWEAVER_SOURCE_DIR) / "tests/conformance/http-state";

// Cases whose outcome a crawl today can reproduce: not those with an Expires attribute (written
// for 2011, their "future" dates have passed: the unit test reads them with a 2011 clock), nor
// those listed in expectations.txt (a control character in the header, which the server's HTTP
// layer would not even send).
bool runs_as_a_crawl(const http_state_case& c, const std::map<std::string, conformance::expected_difference>& listed) {
  if (listed.contains(c.name)) return false;
  return std::none_of(c.set_cookies.begin(), c.set_cookies.end(), [](const std::string& header) {
    std::string lower(header);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return lower.find("expires") != std::string::npos;
  });
}

std::string query_of(const std::string& target) {
  const auto q = target.find('?');
  return q == std::string::npos ? std::string() : target.substr(q + 1);
}

class echo_spider : public spider {
 public:
  echo_spider() { name = "http_state"; }
  std::vector<request> starts;
  std::mutex mutex;
  std::map<std::string, std::string> echoed;  // case -> what the result page received

  std::vector<request> start_requests() override { return starts; }
};

}  // namespace

TEST(HttpStateCrawl, CasesGiveTheExpectedCookieHeaderThroughACrawl) {
  std::vector<http_state_case> cases;
  const auto listed = conformance::read_expectations(suite / "expectations.txt");
  for (auto& c : read_http_state_cases(suite / "parser"))
    if (runs_as_a_crawl(c, listed)) cases.push_back(std::move(c));
  ASSERT_GE(cases.size(), 200u);

  test_server server;
  test_proxy proxy;
  const std::string port = std::to_string(server.port());
  // The cases' absolute Locations name port 8888: the server's port here.
  auto on_this_port = [&](std::string location) {
    if (auto at = location.find(":8888/"); at != std::string::npos) location.replace(at + 1, 4, port);
    return location;
  };
  const std::string origin = "http://home.example.org:" + port;

  std::map<std::string, const http_state_case*> by_name;
  std::set<std::string> result_paths;
  for (const auto& c : cases) {
    by_name[c.name] = &c;
    const auto target = url::join(origin + "/cookie-parser?" + c.name, on_this_port(c.location));
    ASSERT_TRUE(target) << c.name;
    const auto path_start = target->find('/', target->find("://") + 3);
    result_paths.insert(target->substr(path_start, target->find('?', path_start) - path_start));
  }
  server.route("/cookie-parser", [&](const test_request& r) {
    const auto& c = *by_name.at(query_of(r.target));
    test_reply reply{.status = 302};
    for (const auto& header : c.set_cookies) reply.headers.add("Set-Cookie", header);
    reply.headers.add("Location", on_this_port(c.location));
    return reply;
  });
  for (const auto& path : result_paths)
    server.route(path, [](const test_request& r) {
      const auto cookie = r.headers.get("Cookie");
      return test_reply{.body = cookie ? "Cookie: " + std::string(*cookie) : "(none)"};
    });

  auto s = std::make_unique<echo_spider>();
  auto* spy = s.get();
  for (const auto& c : cases) {
    request r(origin + "/cookie-parser?" + c.name, [](spider& sp, const response& resp, output&) {
      auto& echo = static_cast<echo_spider&>(sp);
      std::lock_guard lock(echo.mutex);
      echo.echoed[std::string(resp.meta().at("case").as_string())] = resp.body();
    });
    r.meta["case"] = c.name;
    r.meta["cookiejar"] = c.name;
    r.meta["proxy"] = proxy.url();
    spy->starts.push_back(std::move(r));
  }
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(proxy.forwarded_count(), 2 * cases.size()) << "each case: its Set-Cookie answer and its result page";

  for (const auto& c : cases) {
    const auto echoed = spy->echoed.find(c.name);
    ASSERT_NE(echoed, spy->echoed.end()) << c.name << ": the result page was not reached";
    EXPECT_EQ(echoed->second, c.expected ? "Cookie: " + *c.expected : "(none)") << c.name;
  }
}
