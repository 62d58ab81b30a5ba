// The request API a callback writes in: options in one line (request_options), typed reads of
// cb_kwargs and meta, checked access to selections, and the messages of a user's mistakes
// (exceptions as the log shows them, core/exception_text.hpp).
#include <orbweaver/orbweaver.hpp>

#include "core/exception_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace orbweaver;

class options_spider : public spider {
 public:
  options_spider() { name = "request_api_test"; }

  void parse_page(const response&, output&) {}
  void on_error(const failure&, output&) {}
};

ORBWEAVER_SPIDER(options_spider, parse_page, on_error);

const std::string page_url = "http://example.com/list/";

response html_page(std::string body, request req = request(page_url)) {
  return response(std::move(req), page_url, 200, {{"Content-Type", "text/html"}}, std::move(body));
}

// The message of the exception `f` throws, which must be an E.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "another exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no exception";
  return {};
}

TEST(RequestOptions, FollowTakesEveryOptionInOneLine) {
  auto page = html_page("<a href=next>n</a>");
  output out(&page);
  out.follow("next", &options_spider::parse_page,
             {.cb_kwargs = {{"page", 2}},
              .meta = {{"dont_retry", true}},
              .priority = 1,
              .dont_filter = true,
              .method = "POST",
              .headers = {{"Content-Type", "application/json"}},
              .body = R"({"q": 1})"});
  ASSERT_EQ(out.requests().size(), 1u);
  const request& r = out.requests()[0];
  EXPECT_EQ(r.url, "http://example.com/list/next");
  EXPECT_EQ(r.callback_name, "parse_page");
  EXPECT_TRUE(r.callback);
  EXPECT_EQ(r.cb_kwargs, (json::object{{"page", 2}}));
  EXPECT_EQ(r.meta, (json::object{{"dont_retry", true}}));
  EXPECT_EQ(r.priority, 1);
  EXPECT_TRUE(r.dont_filter);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.headers.get("content-type"), "application/json");
  EXPECT_EQ(r.body, R"({"q": 1})");
}

TEST(RequestOptions, LeftOutOptionsKeepTheDefaults) {
  auto page = html_page("");
  output out(&page);
  out.follow("a", &options_spider::parse_page, {.priority = 5});
  out.follow("b", {.meta = {{"k", "v"}}});  // parse()
  out.follow("c");
  ASSERT_EQ(out.requests().size(), 3u);
  EXPECT_EQ(out.requests()[0].priority, 5);
  EXPECT_EQ(out.requests()[0].method, "GET");
  EXPECT_FALSE(out.requests()[0].dont_filter);
  EXPECT_TRUE(out.requests()[0].cb_kwargs.empty());
  EXPECT_FALSE(out.requests()[1].callback);
  EXPECT_EQ(out.requests()[1].callback_name, "");
  EXPECT_EQ(out.requests()[1].meta.at("k"), "v");
  EXPECT_EQ(out.requests()[2].url, "http://example.com/list/c");
  EXPECT_EQ(out.requests()[2].priority, 0);
}

TEST(RequestOptions, ErrbackBesideTheCallback) {
  auto page = html_page("");
  output out(&page);
  out.follow("x", &options_spider::parse_page, &options_spider::on_error, {.cb_kwargs = {{"id", "x"}}});
  out.follow("y", &options_spider::parse_page, &options_spider::on_error);
  ASSERT_EQ(out.requests().size(), 2u);
  for (const auto& r : out.requests()) {
    EXPECT_EQ(r.callback_name, "parse_page");
    EXPECT_EQ(r.errback_name, "on_error");
    EXPECT_TRUE(r.errback);
  }
  EXPECT_EQ(out.requests()[0].cb_kwargs.at("id"), "x");
}

TEST(RequestOptions, FollowAllGivesEachRequestTheOptions) {
  auto page = html_page(R"(<a href="/1">1</a><a href="/2">2</a><a href="mailto:x@example.com">m</a>)");
  output out(&page);
  out.follow_all(page.css("a::attr(href)"), &options_spider::parse_page, {.meta = {{"listing", true}}, .priority = -1});
  ASSERT_EQ(out.requests().size(), 2u);
  EXPECT_EQ(out.unfollowable_links().size(), 1u);
  for (const auto& r : out.requests()) {
    EXPECT_EQ(r.callback_name, "parse_page");
    EXPECT_EQ(r.priority, -1);
    EXPECT_TRUE(r.meta.at("listing").as_bool());
  }
  output plain(&page);
  plain.follow_all(page.css("a::attr(href)"), {.dont_filter = true});
  ASSERT_EQ(plain.requests().size(), 2u);
  EXPECT_TRUE(plain.requests()[1].dont_filter);
}

TEST(RequestOptions, RequestsBuiltDirectly) {
  request post("http://example.com/api", &options_spider::parse_page,
               {.method = "POST", .headers = {{"Content-Type", "application/json"}}, .body = "{}"});
  EXPECT_EQ(post.callback_name, "parse_page");
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.body, "{}");
  request both("http://example.com/", &options_spider::parse_page, &options_spider::on_error, {.priority = 3});
  EXPECT_EQ(both.errback_name, "on_error");
  EXPECT_EQ(both.priority, 3);
  request to_parse("http://example.com/", {.cb_kwargs = {{"n", 1}}});
  EXPECT_FALSE(to_parse.callback);
  EXPECT_EQ(to_parse.cb_kwarg<int>("n"), 1);

  auto page = html_page("");
  auto followed = page.follow("p?x=1", &options_spider::parse_page, {.cb_kwargs = {{"page", 2}}});
  ASSERT_TRUE(followed);
  EXPECT_EQ(followed->url, "http://example.com/list/p?x=1");
  EXPECT_EQ(followed->cb_kwarg<int>("page"), 2);
  EXPECT_FALSE(page.follow("javascript:void(0)", &options_spider::parse_page, {.priority = 1}));
}

TEST(TypedReads, ValuesOfTheirType) {
  request r(page_url, {.cb_kwargs = {{"page", 2},
                                     {"name", "Kyōto"},
                                     {"ratio", 0.5},
                                     {"big", 10000000000LL},
                                     {"ok", true},
                                     {"ids", json::array{1, 2, 3}},
                                     {"nested", json::object{{"a", 1}}}},
                       .meta = {{"lang", "en"}}});
  EXPECT_EQ(r.cb_kwarg<int>("page"), 2);
  EXPECT_EQ(r.cb_kwarg<std::size_t>("page"), 2u);
  EXPECT_EQ(r.cb_kwarg<std::string>("name"), "Kyōto");
  EXPECT_DOUBLE_EQ(r.cb_kwarg<double>("ratio"), 0.5);
  EXPECT_DOUBLE_EQ(r.cb_kwarg<double>("page"), 2.0) << "any number reads as a double";
  EXPECT_EQ(r.cb_kwarg<long long>("big"), 10000000000LL);
  EXPECT_TRUE(r.cb_kwarg<bool>("ok"));
  EXPECT_EQ(r.cb_kwarg<std::vector<int>>("ids"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(r.cb_kwarg<json::object>("nested").at("a"), 1);
  EXPECT_EQ(r.cb_kwarg<json::value>("page"), 2);
  EXPECT_EQ(r.meta_value<std::string>("lang"), "en");

  response resp(r, page_url, 200, {}, "");
  EXPECT_EQ(resp.cb_kwarg<int>("page"), 2);
  EXPECT_EQ(resp.meta_value<std::string>("lang"), "en");
}

TEST(TypedReads, FallbackOnlyWhenAbsent) {
  request r(page_url, {.cb_kwargs = {{"page", "2"}}});
  EXPECT_EQ(r.cb_kwarg<int>("missing", 1), 1);
  EXPECT_EQ(r.meta_value<std::string>("lang", "en"), "en");
  EXPECT_THROW(r.cb_kwarg<int>("page", 1), value_error) << "a value of another type is a mistake, not an absence";
}

TEST(TypedReads, MissingKeyNamesTheKeyTheTypeAndWhatIsThere) {
  request r(page_url, {.cb_kwargs = {{"pgae", 2}, {"url", "x"}}});
  EXPECT_EQ(message_of<value_error>([&] { r.cb_kwarg<int>("page"); }),
            R"(cb_kwargs["page"]: expected int, found nothing (cb_kwargs has "pgae", "url"))");
  EXPECT_EQ(message_of<value_error>([&] { r.meta_value<std::string>("lang"); }),
            R"(meta["lang"]: expected std::string, found nothing (meta is empty))");
  response resp(r, page_url, 200, {}, "");
  EXPECT_EQ(message_of<value_error>([&] { resp.cb_kwarg<double>("ratio"); }),
            R"(cb_kwargs["ratio"]: expected double, found nothing (cb_kwargs has "pgae", "url"))");
}

TEST(TypedReads, WrongTypeNamesWhatWasThere) {
  request r(page_url, {.cb_kwargs = {{"page", "2"}, {"big", 10000000000LL}, {"neg", -1}, {"none", nullptr},
                                     {"ids", json::array{1, "two"}}}});
  EXPECT_EQ(message_of<value_error>([&] { r.cb_kwarg<int>("page"); }),
            R"(cb_kwargs["page"]: expected int, found the string "2")");
  EXPECT_EQ(message_of<value_error>([&] { r.cb_kwarg<int>("big"); }),
            R"(cb_kwargs["big"]: expected int, found the integer 10000000000 (out of range))");
  EXPECT_EQ(message_of<value_error>([&] { r.cb_kwarg<unsigned>("neg"); }),
            R"(cb_kwargs["neg"]: expected unsigned, found the integer -1 (out of range))");
  EXPECT_EQ(message_of<value_error>([&] { r.cb_kwarg<std::string>("none"); }),
            R"(cb_kwargs["none"]: expected std::string, found null)");
  EXPECT_EQ(message_of<value_error>([&] { r.cb_kwarg<bool>("ids"); }),
            R"(cb_kwargs["ids"]: expected bool, found the array [1,"two"])");
  const auto message = message_of<value_error>([&] { r.cb_kwarg<std::vector<int>>("ids"); });
  EXPECT_TRUE(message.starts_with(R"(cb_kwargs["ids"]: expected std::vector<int, std::allocator<int> >, found the array [1,"two"] ()"))
      << message;
  EXPECT_EQ(message.find("/usr/include"), std::string::npos) << message;
}

TEST(ParseJson, SaysWhereTheTextStopsBeingJson) {
  EXPECT_EQ(parse_json(R"({"a": [1, 2]})", "--meta").at("a").as_array().size(), 2u);
  EXPECT_EQ(message_of<value_error>([] { parse_json("{\"a\": 1,\n \"b\": tru}", "--meta"); }),
            "invalid JSON in --meta: syntax error at line 2, column 7");
  EXPECT_EQ(message_of<value_error>([] { parse_json("[1, 2", "--cbkwargs"); }),
            "invalid JSON in --cbkwargs: incomplete JSON at line 1, column 6");
  EXPECT_EQ(message_of<value_error>([] { parse_json("  ", "--meta"); }), "invalid JSON in --meta: it is empty");
  EXPECT_EQ(message_of<value_error>([] { parse_json("[1] 2", "x"); }), "invalid JSON in x: extra data at line 1, column 5");
  response r(request(page_url), page_url, 200, {{"Content-Type", "application/json"}}, "{not json");
  EXPECT_EQ(message_of<value_error>([&] { r.json(); }),
            "invalid JSON in the body of <200 http://example.com/list/>: syntax error at line 1, column 2");
}

TEST(CheckedSelections, FrontOfNothingNamesTheSelector) {
  auto page = html_page("<article><h1>T</h1><p>a</p><p>b</p></article>");
  EXPECT_EQ(message_of<empty_selection>([&] { page.css("h2.nothing").front(); }),
            R"(css("h2.nothing") matched nothing, so it has no element [0]; get() and first() give a default or nullopt when nothing matches)");
  EXPECT_EQ(message_of<empty_selection>([&] { page.css("article").css("h2").back().text(); }),
            R"(css("article").css("h2") matched nothing, so it has no element [0]; get() and first() give a default or nullopt when nothing matches)");
  EXPECT_EQ(message_of<empty_selection>([&] { page.css("p")[2]; }), R"(css("p") has 2 matches, so it has no element [2])");
  EXPECT_EQ(message_of<empty_selection>([&] { page.css("h1").at(1); }), R"(css("h1") has 1 match, so it has no element [1])");
  EXPECT_EQ(message_of<empty_selection>([&] { page.css("h1").front().css("span").front(); }),
            R"(css("span") matched nothing, so it has no element [0]; get() and first() give a default or nullopt when nothing matches)");
  EXPECT_THROW(selector_list().front(), empty_selection);
  EXPECT_THROW(selector(nullptr, nullptr), std::invalid_argument) << "an element without a node";
  EXPECT_THROW(selector(nullptr, "<p>", selector::kind::element), std::invalid_argument);
  EXPECT_EQ(selector(nullptr, "x", selector::kind::text).get(), "x");
  EXPECT_THROW(page.css("p::text").front().css("b").front(), value_error) << "empty_selection is a value_error";
}

TEST(CheckedSelections, WhatIsThereReadsAsBefore) {
  auto page = html_page("<p>a</p><p>b</p>");
  auto ps = page.css("p");
  EXPECT_EQ(ps.query(), R"(css("p"))");
  EXPECT_EQ(ps.front().text(), "a");
  EXPECT_EQ(ps.back().text(), "b");
  EXPECT_EQ(ps[1].text(), "b");
  EXPECT_EQ(ps.at(0).text(), "a");
  auto nothing = page.css("h2");
  EXPECT_EQ(nothing.get(), "");
  EXPECT_EQ(nothing.get("none"), "none");
  EXPECT_FALSE(nothing.first());
  EXPECT_FALSE(nothing.attrib("href"));
  EXPECT_FALSE(nothing.re_first("."));
  EXPECT_TRUE(nothing.getall().empty());
  EXPECT_TRUE(nothing.css("a").empty());
}

TEST(SpiderNames, TheBuiltInSpidersHaveOneNameEach) { EXPECT_NO_THROW(check_spider_names()); }

}  // namespace

namespace {

TEST(ExceptionText, BoostWithoutItsWrappersAndHeaderPaths) {
  try {
    (void)orbweaver::json::parse("{\"a\": }");
    FAIL() << "no exception";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/usr/include"), std::string::npos) << "what Boost says: " << e.what();
    EXPECT_EQ(orbweaver::exception_type(e), "boost::system::system_error");
    EXPECT_EQ(orbweaver::exception_message(e), "syntax error (boost.json)");
  }
  try {
    (void)orbweaver::json::value_to<int>(orbweaver::json::value("x"));
    FAIL() << "no exception";
  } catch (const std::exception& e) {
    EXPECT_EQ(orbweaver::exception_type(e), "boost::system::system_error");
    EXPECT_EQ(orbweaver::exception_message(e), "not a number (boost.json)");
  }
  const std::runtime_error plain("plain");
  EXPECT_EQ(orbweaver::exception_type(plain), "std::runtime_error");
  EXPECT_EQ(orbweaver::exception_message(plain), "plain");
  EXPECT_EQ(orbweaver::exception_type(orbweaver::empty_selection("x")), "orbweaver::empty_selection");
}

}  // namespace
