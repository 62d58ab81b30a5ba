// Built-in middleware logic without a crawl.
#include "spider/http_error.hpp"
#include "spider/offsite.hpp"

#include <gtest/gtest.h>

using namespace orbweaver;
using namespace orbweaver::middlewares;

TEST(Offsite, DomainAllowsItselfAndSubdomainsOnly) {
  std::vector<std::string> domains{"example.com", "shop.org"};
  EXPECT_TRUE(host_allowed("example.com", domains));
  EXPECT_TRUE(host_allowed("www.example.com", domains));
  EXPECT_TRUE(host_allowed("a.b.shop.org", domains));
  EXPECT_FALSE(host_allowed("badexample.com", domains));
  EXPECT_FALSE(host_allowed("example.com.evil.net", domains));
  EXPECT_FALSE(host_allowed("", domains));
}

TEST(HttpErrorPolicy, SuccessAlwaysPasses) {
  http_error_policy p;
  EXPECT_TRUE(p.allows(200, {}));
  EXPECT_TRUE(p.allows(204, {}));
  EXPECT_FALSE(p.allows(404, {}));
  EXPECT_FALSE(p.allows(500, {}));
  EXPECT_FALSE(p.allows(301, {}));
}

TEST(HttpErrorPolicy, SettingsAndMetaAllowCodes) {
  http_error_policy p{.allow_all = false, .allowed_codes = {404}};
  EXPECT_TRUE(p.allows(404, {}));
  EXPECT_FALSE(p.allows(500, {}));
  json::object meta{{"handle_httpstatus_list", json::array{500}}};
  EXPECT_TRUE(p.allows(500, meta));
  EXPECT_FALSE(p.allows(404, meta)) << "a request's list replaces the setting";
  EXPECT_TRUE(p.allows(503, json::object{{"handle_httpstatus_all", true}}));
  http_error_policy all{.allow_all = true, .allowed_codes = {}};
  EXPECT_TRUE(all.allows(418, {}));
}
