// Referer and URL length spider middlewares, driven directly without a crawl.
#include "spider/referer.hpp"
#include "spider/url_length.hpp"

#include <orbweaver/crawler.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

using namespace orbweaver;
using namespace orbweaver::middlewares;

namespace {

const std::string page = "https://user:pw@shop.example/cat/a?x=1#top";
const std::string page_stripped = "https://shop.example/cat/a?x=1";
const std::string page_origin = "https://shop.example/";

std::optional<std::string> referer(std::string_view policy, std::string_view from, std::string_view to) {
  return referrer_for(*parse_referrer_policy(policy), from, to);
}

// A crawler that never runs, to open middlewares with these settings.
std::unique_ptr<crawler> crawler_with(const std::vector<std::pair<std::string, std::string>>& values) {
  settings config;
  for (const auto& [name, value] : values) config.set(name, value, setting_priority::command_line);
  return std::make_unique<crawler>(std::make_unique<spider>(), std::move(config));
}

void run_output(spider_middleware& mw, crawler& c, const response* source, std::vector<request>& requests) {
  std::vector<item> items;
  boost::asio::io_context io;
  boost::asio::co_spawn(io, mw.process_spider_output(source, requests, items, c.target()), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
}

}  // namespace

TEST(RefererPolicy, NamesAsTheW3cSpellsThem) {
  EXPECT_EQ(parse_referrer_policy("no-referrer-when-downgrade"), referrer_policy::no_referrer_when_downgrade);
  EXPECT_EQ(parse_referrer_policy("Strict-Origin-When-Cross-Origin"), referrer_policy::strict_origin_when_cross_origin);
  EXPECT_FALSE(parse_referrer_policy("scrapy-default"));
  EXPECT_FALSE(parse_referrer_policy(""));
}

TEST(RefererPolicy, NoReferrerWhenDowngradeSendsTheFullUrlButNeverHttpsToHttp) {
  EXPECT_EQ(referer("no-referrer-when-downgrade", page, "https://other.example/"), page_stripped);
  EXPECT_EQ(referer("no-referrer-when-downgrade", page, "http://shop.example/b"), std::nullopt);
  EXPECT_EQ(referer("no-referrer-when-downgrade", "http://a.example/p#f", "https://b.example/"), "http://a.example/p");
}

TEST(RefererPolicy, NoReferrer) {
  EXPECT_EQ(referer("no-referrer", page, "https://shop.example/b"), std::nullopt);
}

TEST(RefererPolicy, SameOriginComparesSchemeHostAndPort) {
  EXPECT_EQ(referer("same-origin", page, "https://shop.example:443/b"), page_stripped);
  EXPECT_EQ(referer("same-origin", page, "https://SHOP.example/b"), page_stripped);
  EXPECT_EQ(referer("same-origin", page, "https://shop.example:8443/b"), std::nullopt);
  EXPECT_EQ(referer("same-origin", page, "http://shop.example/b"), std::nullopt);
  EXPECT_EQ(referer("same-origin", page, "https://www.shop.example/b"), std::nullopt);
}

TEST(RefererPolicy, OriginSendsOnlyTheOrigin) {
  EXPECT_EQ(referer("origin", page, "https://shop.example/b"), page_origin);
  EXPECT_EQ(referer("origin", page, "http://elsewhere.example/"), page_origin);
  EXPECT_EQ(referer("origin", "http://h.example:8080/x/y", "http://h.example/"), "http://h.example:8080/");
}

TEST(RefererPolicy, StrictOriginWhenCrossOrigin) {
  EXPECT_EQ(referer("strict-origin-when-cross-origin", page, "https://shop.example/b"), page_stripped);
  EXPECT_EQ(referer("strict-origin-when-cross-origin", page, "https://other.example/"), page_origin);
  EXPECT_EQ(referer("strict-origin-when-cross-origin", page, "http://other.example/"), std::nullopt);
}

TEST(RefererPolicy, StrictOriginAndOriginWhenCrossOrigin) {
  EXPECT_EQ(referer("strict-origin", page, "https://shop.example/b"), page_origin);
  EXPECT_EQ(referer("strict-origin", page, "http://shop.example/b"), std::nullopt);
  EXPECT_EQ(referer("origin-when-cross-origin", page, "https://shop.example/b"), page_stripped);
  EXPECT_EQ(referer("origin-when-cross-origin", page, "http://other.example/"), page_origin);
}

TEST(RefererPolicy, UnsafeUrlAlwaysSendsTheStrippedUrl) {
  EXPECT_EQ(referer("unsafe-url", page, "http://other.example/"), page_stripped);
}

TEST(RefererMiddleware, SetsRefererFromTheSourceUnlessTheRequestHasOne) {
  auto c = crawler_with({});
  referer_middleware mw;
  ASSERT_TRUE(mw.open(*c));
  response source(request(page), page, 200, {}, "");
  std::vector<request> requests{request("https://shop.example/next"), request("http://plain.example/"),
                                request("https://shop.example/own")};
  requests[2].headers.set("Referer", "https://mine.example/");
  run_output(mw, *c, &source, requests);
  EXPECT_EQ(requests[0].headers.get("Referer"), page_stripped);
  EXPECT_FALSE(requests[1].headers.contains("Referer")) << "https to http under the default policy";
  EXPECT_EQ(requests[2].headers.get("Referer"), "https://mine.example/");

  std::vector<request> start{request("https://shop.example/")};
  run_output(mw, *c, nullptr, start);
  EXPECT_FALSE(start[0].headers.contains("Referer")) << "start requests have no referrer";
}

TEST(RefererMiddleware, ResponseHeaderAndRequestMetaOverrideTheSetting) {
  auto c = crawler_with({{"REFERRER_POLICY", "unsafe-url"}});
  referer_middleware mw;
  ASSERT_TRUE(mw.open(*c));
  response source(request(page), page, 200, {{"Referrer-Policy", "bogus, same-origin"}}, "");
  std::vector<request> requests{request("https://other.example/"), request("https://other.example/2")};
  requests[1].meta["referrer_policy"] = "origin";
  run_output(mw, *c, &source, requests);
  EXPECT_FALSE(requests[0].headers.contains("Referer")) << "the page's same-origin wins over the setting";
  EXPECT_EQ(requests[1].headers.get("Referer"), page_origin);
}

TEST(RefererMiddleware, SettingsDisableOrReject) {
  referer_middleware off;
  EXPECT_FALSE(off.open(*crawler_with({{"REFERER_ENABLED", "false"}})));
  referer_middleware bad;
  EXPECT_THROW(bad.open(*crawler_with({{"REFERRER_POLICY", "sometimes"}})), settings_error);
}

TEST(UrlLength, DropsLongerUrlsAndCountsThem) {
  auto c = crawler_with({{"URLLENGTH_LIMIT", "30"}});
  url_length_middleware mw;
  ASSERT_TRUE(mw.open(*c));
  std::string exact = "http://a.example/" + std::string(13, 'x');  // 30 characters
  std::vector<request> requests{request(exact), request(exact + "y"), request("http://a.example/")};
  response source(request("http://a.example/"), "http://a.example/", 200, {}, "");
  run_output(mw, *c, &source, requests);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, exact);
  EXPECT_EQ(requests[1].url, "http://a.example/");
  EXPECT_EQ(c->stats().get("urllength/request_ignored_count"), 1);

  std::vector<request> start{request("http://a.example/" + std::string(100000, 'z'))};
  run_output(mw, *c, nullptr, start);
  EXPECT_TRUE(start.empty()) << "a 100 KB start URL is dropped too";
  EXPECT_EQ(c->stats().get("urllength/request_ignored_count"), 2);
}

TEST(UrlLength, DefaultIsScrapysAndZeroDisables) {
  auto c = crawler_with({});
  url_length_middleware mw;
  ASSERT_TRUE(mw.open(*c));
  std::vector<request> requests{request("http://a.example/" + std::string(2083 - 17, 'x')),
                                request("http://a.example/" + std::string(2084 - 17, 'x'))};
  run_output(mw, *c, nullptr, requests);
  EXPECT_EQ(requests.size(), 1u);
  url_length_middleware off;
  EXPECT_FALSE(off.open(*crawler_with({{"URLLENGTH_LIMIT", "0"}})));
}
