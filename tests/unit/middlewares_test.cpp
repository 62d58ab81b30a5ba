// Built-in middleware logic without a crawl.
#include "downloader/redirect.hpp"
#include "core/domains.hpp"
#include "spider/http_error.hpp"
#include "spider/offsite.hpp"

#include <orbweaver/meta.hpp>

#include <gtest/gtest.h>

using namespace orbweaver;
using namespace orbweaver::middlewares;

TEST(Offsite, DomainAllowsItselfAndSubdomainsOnly) {
  std::vector<std::string> domains{"example.com", "shop.org"};
  EXPECT_TRUE(host_in_any_domain("example.com", domains));
  EXPECT_TRUE(host_in_any_domain("www.example.com", domains));
  EXPECT_TRUE(host_in_any_domain("a.b.shop.org", domains));
  EXPECT_FALSE(host_in_any_domain("badexample.com", domains));
  EXPECT_FALSE(host_in_any_domain("example.com.evil.net", domains));
  EXPECT_FALSE(host_in_any_domain("", domains));
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

TEST(Redirect, FollowsLocationWithMethodRules) {
  request post("http://example.com/form");
  post.method = "POST";
  post.body = "a=1";
  post.headers.set("Content-Type", "application/x-www-form-urlencoded");
  auto see_other = std::make_shared<response>(post, post.url, 303, http_headers{{"Location", "/done"}}, "");
  auto next = redirect_request(post, *see_other);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->url, "http://example.com/done");
  EXPECT_EQ(next->method, "GET");
  EXPECT_TRUE(next->body.empty());
  EXPECT_FALSE(next->headers.contains("Content-Type"));

  auto temporary = std::make_shared<response>(post, post.url, 307, http_headers{{"Location", "/again"}}, "");
  auto kept = redirect_request(post, *temporary);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->method, "POST");
  EXPECT_EQ(kept->body, "a=1");
}

TEST(Redirect, DropsCredentialsAcrossOriginsAndRefererOnDowngrade) {
  request r("https://example.com/a");
  r.headers.set("Authorization", "Basic eDp5");
  r.headers.set("Cookie", "s=1");
  r.headers.set("Referer", "https://example.com/secret");
  auto same = std::make_shared<response>(r, r.url, 302, http_headers{{"Location", "/b"}}, "");
  auto kept = redirect_request(r, *same);
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->headers.contains("Authorization"));
  EXPECT_TRUE(kept->headers.contains("Referer"));
  auto away = std::make_shared<response>(r, r.url, 301, http_headers{{"Location", "http://other.org/"}}, "");
  auto moved = redirect_request(r, *away);
  ASSERT_TRUE(moved);
  EXPECT_FALSE(moved->headers.contains("Authorization"));
  EXPECT_FALSE(moved->headers.contains("Cookie"));
  EXPECT_FALSE(moved->headers.contains("Referer"));
}

TEST(Redirect, IgnoresNonRedirectsAndUnusableLocations) {
  request r("http://example.com/");
  EXPECT_FALSE(redirect_request(r, response(r, r.url, 200, {{"Location", "/x"}}, "")));
  EXPECT_FALSE(redirect_request(r, response(r, r.url, 302, {}, "")));
  EXPECT_FALSE(redirect_request(r, response(r, r.url, 302, {{"Location", "javascript:alert(1)"}}, "")));
}

TEST(Meta, TypedReadsTreatMistypedValuesAsUnset) {
  json::object meta{{"dont_retry", true}, {"flag_as_text", "true"}, {"depth", 3}, {"timeout", 2.5},
                    {"handle_httpstatus_list", json::array{404, 500}}};
  EXPECT_TRUE(meta_flag(meta, "dont_retry"));
  EXPECT_FALSE(meta_flag(meta, "flag_as_text"));
  EXPECT_FALSE(meta_flag(meta, "absent"));
  EXPECT_EQ(meta_int(meta, "depth"), 3);
  EXPECT_FALSE(meta_int(meta, "timeout"));
  EXPECT_DOUBLE_EQ(meta_number(meta, "timeout").value(), 2.5);
  EXPECT_DOUBLE_EQ(meta_number(meta, "depth").value(), 3.0);
  EXPECT_FALSE(meta_number(meta, "flag_as_text"));
  EXPECT_TRUE(meta_handles_status(meta, 404));
  EXPECT_FALSE(meta_handles_status(meta, 403));
  EXPECT_TRUE(meta_handles_status(json::object{{"handle_httpstatus_all", true}}, 403));
}
