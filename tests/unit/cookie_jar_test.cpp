// The RFC 6265 cookie jar and the cookies middleware's header merge, with an injected clock.
#include "download/cookie_jar.hpp"
#include "downloader/cookies.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace orbweaver::download;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

cookie_time at(int y, unsigned m, unsigned d, int h = 0, int min = 0, int s = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min} + seconds{s};
}

// A jar whose clock the test moves.
struct clocked_jar {
  cookie_time now = at(2026, 1, 1, 12);
  cookie_jar jar{[this] { return now; }};
};

}  // namespace

TEST(CookieDate, AcceptsTheThreeHttpDateFormats) {
  const auto expected = at(1994, 11, 6, 8, 49, 37);
  EXPECT_EQ(parse_cookie_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);   // RFC 1123
  EXPECT_EQ(parse_cookie_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);  // RFC 850
  EXPECT_EQ(parse_cookie_date("Sun Nov  6 08:49:37 1994"), expected);        // asctime
}

TEST(CookieDate, TwoDigitYearsAndLooseTokens) {
  EXPECT_EQ(parse_cookie_date("Wed, 09 Jun 21 10:18:14 GMT"), at(2021, 6, 9, 10, 18, 14));
  EXPECT_EQ(parse_cookie_date("Thu, 01-Jan-70 00:00:01 GMT"), at(1970, 1, 1, 0, 0, 1));
  EXPECT_EQ(parse_cookie_date("1 january 2030 1:2:3"), at(2030, 1, 1, 1, 2, 3));
}

TEST(CookieDate, RejectsMissingPartsAndImpossibleDates) {
  EXPECT_FALSE(parse_cookie_date("Sun, 06 Nov 1994"));            // no time
  EXPECT_FALSE(parse_cookie_date("06 1994 08:49:37"));            // no month
  EXPECT_FALSE(parse_cookie_date("Mon, 30 Feb 2026 10:00:00 GMT"));
  EXPECT_FALSE(parse_cookie_date("Mon, 10 Feb 2026 24:00:00 GMT"));
  EXPECT_FALSE(parse_cookie_date("Mon, 10 Feb 1600 10:00:00 GMT"));
  EXPECT_FALSE(parse_cookie_date(""));
}

TEST(SetCookie, ParsesNameValueAndAttributes) {
  auto c = parse_set_cookie(" sid = abc ; Path=/app; Domain=.Example.COM; Secure; HttpOnly; SameSite=Lax; Max-Age=60");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "sid");
  EXPECT_EQ(c->value, "abc");
  EXPECT_EQ(c->path, "/app");
  EXPECT_EQ(c->domain, "example.com");
  EXPECT_TRUE(c->secure);
  EXPECT_TRUE(c->http_only);
  EXPECT_EQ(c->same_site_policy, same_site::lax);
  EXPECT_EQ(c->max_age, 60);
  EXPECT_EQ(parse_set_cookie("a=1; SameSite=strict")->same_site_policy, same_site::strict);
  EXPECT_EQ(parse_set_cookie("a=1; SameSite=None")->same_site_policy, same_site::none);
  EXPECT_EQ(parse_set_cookie("a=1; SameSite=bogus")->same_site_policy, same_site::unspecified);
}

TEST(SetCookie, RejectsWhatHasNoNameValuePair) {
  EXPECT_FALSE(parse_set_cookie("novalue"));
  EXPECT_FALSE(parse_set_cookie("=value"));
  EXPECT_FALSE(parse_set_cookie(""));
  auto empty_value = parse_set_cookie("a=");
  ASSERT_TRUE(empty_value);
  EXPECT_EQ(empty_value->value, "");
}

TEST(SetCookie, IgnoresInvalidAttributeValuesAndKeepsTheLast) {
  auto c = parse_set_cookie("a=1; Max-Age=12x; Path=relative; Domain=; Expires=garbage");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->max_age);
  EXPECT_FALSE(c->path);
  EXPECT_FALSE(c->domain);
  EXPECT_FALSE(c->expires);
  auto last = parse_set_cookie("a=1; Path=/one; Path=/two; Max-Age=5; Max-Age=-1");
  EXPECT_EQ(last->path, "/two");
  EXPECT_EQ(last->max_age, -1);
}

TEST(SetCookie, AnEmptyDomainIsIgnoredSoAnEarlierOneStays) {
  // RFC 6265 §5.2.3 (http-state optional-domain0042): "domain=" is ignored, not a reset.
  EXPECT_EQ(parse_set_cookie("foo=bar; domain=foo.example.org; domain=")->domain, "foo.example.org");
  EXPECT_FALSE(parse_set_cookie("foo=bar; domain=")->domain);
  // "Domain=." is not empty: it replaces an earlier Domain with none.
  EXPECT_EQ(parse_set_cookie("foo=bar; domain=example.org; domain=.")->domain, "");
}

TEST(SetCookie, AControlCharacterRefusesTheHeader) {
  EXPECT_FALSE(parse_set_cookie(std::string("AAA=BB\0ZYX", 10)));
  EXPECT_FALSE(parse_set_cookie("AAA=BB\rZYX"));
  EXPECT_FALSE(parse_set_cookie("AAA=BB; Path=/\n"));
  EXPECT_FALSE(parse_set_cookie("AAA=BB\x7F"));
  EXPECT_TRUE(parse_set_cookie("AAA=B\tB"));  // HTAB is whitespace, not a control character here
}

TEST(CookiePaths, DefaultPathAndPathMatch) {
  EXPECT_EQ(default_cookie_path(""), "/");
  EXPECT_EQ(default_cookie_path("/"), "/");
  EXPECT_EQ(default_cookie_path("/login"), "/");
  EXPECT_EQ(default_cookie_path("/account/login"), "/account");
  EXPECT_EQ(default_cookie_path("/a/b/"), "/a/b");
  EXPECT_TRUE(path_matches("/account", "/account"));
  EXPECT_TRUE(path_matches("/account/x", "/account"));
  EXPECT_TRUE(path_matches("/account/x", "/account/"));
  EXPECT_FALSE(path_matches("/accounts", "/account"));
  EXPECT_FALSE(path_matches("/", "/account"));
}

TEST(CookieDomains, DomainMatch) {
  EXPECT_TRUE(domain_matches("example.com", "example.com"));
  EXPECT_TRUE(domain_matches("www.example.com", "example.com"));
  EXPECT_FALSE(domain_matches("badexample.com", "example.com"));
  EXPECT_FALSE(domain_matches("example.com", "www.example.com"));
  EXPECT_FALSE(domain_matches("1.2.3.4", "2.3.4"));
  EXPECT_TRUE(domain_matches("1.2.3.4", "1.2.3.4"));
}

TEST(CookieJar, HostOnlyCookieGoesBackToTheSameHostOnly) {
  clocked_jar j;
  ASSERT_TRUE(j.jar.set_cookie("http://example.com/", "a=1"));
  EXPECT_EQ(j.jar.cookie_header("http://example.com/page"), "a=1");
  EXPECT_EQ(j.jar.cookie_header("http://www.example.com/"), "");
  EXPECT_EQ(j.jar.cookie_header("http://other.org/"), "");
}

TEST(CookieJar, DomainCookieCoversSubdomains) {
  clocked_jar j;
  ASSERT_TRUE(j.jar.set_cookie("http://www.example.com/", "a=1; Domain=.example.com"));
  EXPECT_EQ(j.jar.cookie_header("http://example.com/"), "a=1");
  EXPECT_EQ(j.jar.cookie_header("http://shop.www.example.com/"), "a=1");
  EXPECT_EQ(j.jar.cookie_header("http://notexample.com/"), "");
}

TEST(CookieJar, RefusesForeignTopLevelAndIpDomains) {
  clocked_jar j;
  EXPECT_FALSE(j.jar.set_cookie("http://www.example.com/", "a=1; Domain=other.com"));
  EXPECT_FALSE(j.jar.set_cookie("http://www.example.com/", "a=1; Domain=shop.www.example.com"));
  EXPECT_FALSE(j.jar.set_cookie("http://www.example.com/", "a=1; Domain=com"));
  EXPECT_FALSE(j.jar.set_cookie("http://1.2.3.4/", "a=1; Domain=2.3.4"));
  EXPECT_FALSE(j.jar.set_cookie("http://localhost/", "a=1; Domain=127.0.0.1"));
  EXPECT_EQ(j.jar.size(), 0u);
  // A single label or an IP is fine when it is the host itself.
  EXPECT_TRUE(j.jar.set_cookie("http://localhost/", "b=2; Domain=localhost"));
  EXPECT_TRUE(j.jar.set_cookie("http://127.0.0.1:8080/", "c=3; Domain=127.0.0.1"));
  EXPECT_EQ(j.jar.cookie_header("http://localhost/"), "b=2");
  EXPECT_EQ(j.jar.cookie_header("http://127.0.0.1:8080/"), "c=3");
}

TEST(CookieJar, DefaultPathAndExplicitPath) {
  clocked_jar j;
  j.jar.set_cookie("http://example.com/account/login", "a=1");
  j.jar.set_cookie("http://example.com/account/login", "b=2; Path=/");
  EXPECT_EQ(j.jar.cookie_header("http://example.com/account/orders?x=1"), "a=1; b=2");
  EXPECT_EQ(j.jar.cookie_header("http://example.com/"), "b=2");
  EXPECT_EQ(j.jar.cookie_header("http://example.com/accounts"), "b=2");
}

TEST(CookieJar, SecureCookiesOnlyOverHttps) {
  clocked_jar j;
  j.jar.set_cookie("https://example.com/", "s=1; Secure");
  j.jar.set_cookie("https://example.com/", "p=2");
  EXPECT_EQ(j.jar.cookie_header("https://example.com/"), "s=1; p=2");
  EXPECT_EQ(j.jar.cookie_header("http://example.com/"), "p=2");
}

TEST(CookieJar, OrderIsLongerPathThenEarlierCreation) {
  clocked_jar j;
  j.jar.set_cookie("http://example.com/", "first=1; Path=/");
  j.now += 1s;
  j.jar.set_cookie("http://example.com/", "deep=2; Path=/a/b");
  j.now += 1s;
  j.jar.set_cookie("http://example.com/", "second=3; Path=/");
  j.now += 1s;
  j.jar.set_cookie("http://example.com/", "mid=4; Path=/a");
  EXPECT_EQ(j.jar.cookie_header("http://example.com/a/b/c"), "deep=2; mid=4; first=1; second=3");
}

TEST(CookieJar, AnEmptyDomainAfterAForeignOneRefusesTheCookie) {
  clocked_jar j;
  EXPECT_FALSE(j.jar.set_cookie("http://home.example.org/", "foo=bar; domain=foo.example.org; domain="));
  EXPECT_TRUE(j.jar.set_cookie("http://home.example.org/", "foo=bar; domain=example.org; domain="));
  EXPECT_EQ(j.jar.cookie_header("http://sibling.example.org/"), "foo=bar");
  EXPECT_TRUE(j.jar.set_cookie("http://home.example.org/", "host=1; domain=example.org; domain=."));
  EXPECT_EQ(j.jar.cookie_header("http://sibling.example.org/"), "foo=bar");  // "Domain=." made it host-only
  EXPECT_EQ(j.jar.cookie_header("http://home.example.org/"), "foo=bar; host=1");
}

TEST(CookieJar, EqualCreationTimesKeepTheOrderOfCreation) {
  clocked_jar j;  // the clock does not move: every cookie has the same creation time
  j.jar.set_cookie("http://home.example.org/", "foo2=bar2; domain=.example.org");
  j.jar.set_cookie("http://home.example.org/", "foo=bar; domain=home.example.org");
  j.jar.set_cookie("http://home.example.org/", "foo2=replaced; domain=.example.org");
  EXPECT_EQ(j.jar.cookie_header("http://home.example.org/"), "foo2=replaced; foo=bar");
}

TEST(CookieJar, ReplacingKeepsCreationTimeAndOneCopy) {
  clocked_jar j;
  j.jar.set_cookie("http://example.com/", "a=1");
  j.now += 1s;
  j.jar.set_cookie("http://example.com/", "b=2");
  j.now += 1s;
  j.jar.set_cookie("http://example.com/", "a=3");
  EXPECT_EQ(j.jar.size(), 2u);
  EXPECT_EQ(j.jar.cookie_header("http://example.com/"), "a=3; b=2");
  // Same name, other path: a second cookie.
  j.jar.set_cookie("http://example.com/", "a=4; Path=/x");
  EXPECT_EQ(j.jar.size(), 3u);
}

TEST(CookieJar, MaxAgeExpiresAndWinsOverExpires) {
  clocked_jar j;
  j.jar.set_cookie("http://example.com/", "a=1; Max-Age=60; Expires=Thu, 01 Jan 2099 00:00:00 GMT");
  j.jar.set_cookie("http://example.com/", "b=2; Expires=Thu, 01 Jan 2026 12:30:00 GMT");
  j.jar.set_cookie("http://example.com/", "session=3");
  EXPECT_EQ(j.jar.cookie_header("http://example.com/"), "a=1; b=2; session=3");
  j.now += 61s;
  EXPECT_EQ(j.jar.cookie_header("http://example.com/"), "b=2; session=3");
  j.now += 30min;
  EXPECT_EQ(j.jar.cookie_header("http://example.com/"), "session=3");
}

TEST(CookieJar, MaxAgeZeroOrPastExpiresDeletes) {
  clocked_jar j;
  j.jar.set_cookie("http://example.com/", "a=1");
  j.jar.set_cookie("http://example.com/", "b=2");
  j.jar.set_cookie("http://example.com/", "a=; Max-Age=0");
  j.jar.set_cookie("http://example.com/", "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(j.jar.size(), 0u);
  EXPECT_EQ(j.jar.cookie_header("http://example.com/"), "");
  EXPECT_TRUE(j.jar.set_cookie("http://example.com/", "c=1; Max-Age=-5"));
  EXPECT_EQ(j.jar.size(), 0u);
}

TEST(CookieJar, HttpOnlyCookiesAreSentOverHttp) {
  clocked_jar j;
  j.jar.set_cookie("http://example.com/", "h=1; HttpOnly; SameSite=Strict");
  EXPECT_EQ(j.jar.cookie_header("http://example.com/"), "h=1");
}

TEST(CookieJar, StoresEveryAttribute) {
  clocked_jar j;
  j.jar.set_cookie("https://www.example.com/a/b", "s=1; Domain=example.com; Secure; HttpOnly; SameSite=None; Max-Age=10");
  j.jar.set_cookie("https://www.example.com/a/b", "h=2; SameSite=Lax");
  auto all = j.jar.stored();
  ASSERT_EQ(all.size(), 2u);
  std::sort(all.begin(), all.end(), [](const cookie& a, const cookie& b) { return a.name > b.name; });
  EXPECT_EQ(all[0].name, "s");
  EXPECT_EQ(all[0].domain, "example.com");
  EXPECT_FALSE(all[0].host_only);
  EXPECT_EQ(all[0].path, "/a");
  EXPECT_TRUE(all[0].secure);
  EXPECT_TRUE(all[0].http_only);
  EXPECT_EQ(all[0].same_site_policy, same_site::none);
  EXPECT_EQ(all[0].expiry, j.now + 10s);
  EXPECT_EQ(all[0].creation, j.now);
  EXPECT_EQ(all[1].name, "h");
  EXPECT_EQ(all[1].domain, "www.example.com");
  EXPECT_TRUE(all[1].host_only);
  EXPECT_FALSE(all[1].secure);
  EXPECT_EQ(all[1].same_site_policy, same_site::lax);
  EXPECT_EQ(all[1].expiry, cookie_time::max()) << "a session cookie";
}

TEST(CookieJar, IgnoresUnusableUrlsAndHeaders) {
  clocked_jar j;
  EXPECT_FALSE(j.jar.set_cookie("not a url", "a=1"));
  EXPECT_FALSE(j.jar.set_cookie("http://example.com/", "garbage"));
  EXPECT_EQ(j.jar.cookie_header("not a url"), "");
}

TEST(CookiesMiddleware, MergeKeepsTheRequestsOwnCookies) {
  using orbweaver::middlewares::merge_cookie_header;
  const std::vector<std::pair<std::string, std::string>> jar{{"a", "1"}, {"b", "2"}};
  auto fresh = merge_cookie_header("", {}, jar);
  EXPECT_EQ(fresh.header, "a=1; b=2");
  EXPECT_EQ(fresh.added, (std::vector<std::string>{"a", "b"}));
  auto own = merge_cookie_header("a=mine", {}, jar);
  EXPECT_EQ(own.header, "a=mine; b=2");
  EXPECT_EQ(own.added, std::vector<std::string>{"b"});
  EXPECT_EQ(merge_cookie_header(" x=1 ;b=own", {}, jar).header, "x=1; b=own; a=1");
}

TEST(CookiesMiddleware, MergeRefreshesWhatTheJarAddedBefore) {
  using orbweaver::middlewares::merge_cookie_header;
  // A redirect copied "x=1; a=old; gone=1"; the jar had added a and gone, and now holds a=new.
  auto merged = merge_cookie_header("x=1; a=old; gone=1", {"a", "gone"}, {{"a", "new"}});
  EXPECT_EQ(merged.header, "x=1; a=new");
  EXPECT_EQ(merged.added, std::vector<std::string>{"a"});
  EXPECT_EQ(merge_cookie_header("gone=1", {"gone"}, {}).header, "");
}
