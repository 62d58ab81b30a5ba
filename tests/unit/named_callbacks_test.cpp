// Callbacks and errbacks by name: what ORBWEAVER_SPIDER(cls, method...) registers, how follow()
// and set_callback() find the name, and requests through JSON and back.
#include <orbweaver/orbweaver.hpp>
#include <orbweaver/request_json.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace orbweaver;

class named_spider : public spider {
 public:
  named_spider() { name = "named_callbacks_test"; }

  void parse(const response& r, output& out) override {
    out.follow("/item", &named_spider::parse_item);
    out.follow("/unnamed", &named_spider::parse_unnamed);
    out.emit(item{{"from", "parse"}, {"url", r.url()}});
  }
  void parse_item(const response&, output& out) { out.emit(item{{"from", "parse_item"}}); }
  void parse_unnamed(const response&, output&) {}
  void on_error(const failure& f, output& out) { out.emit(item{{"from", "on_error"}, {"url", f.req.url}}); }
};

ORBWEAVER_SPIDER(named_spider, parse_item, on_error);

// Runs the request's callback on a small page and returns the items it emitted.
std::vector<item> run_callback(spider& s, const request& r) {
  response page(r, r.url, 200, {{"Content-Type", "text/html"}}, "<p>x</p>");
  output out(&page);
  if (r.callback)
    r.callback(s, page, out);
  else
    s.parse(page, out);
  return out.items();
}

request round_trip(const request& r, const spider& s) {
  return request_from_json(json::parse(json::serialize(to_json(r))), s);
}

TEST(NamedCallbacks, RegisteredMethodsAreListedWithParse) {
  named_spider s;
  EXPECT_EQ(callback_names(s), (std::vector<std::string>{"parse", "parse_item"}));
  EXPECT_EQ(errback_names(s), std::vector<std::string>{"on_error"});
  EXPECT_TRUE(spider_callback(s, "parse_item"));
  EXPECT_FALSE(spider_callback(s, "on_error")) << "an errback is not a callback";
  EXPECT_FALSE(spider_callback(s, "parse_unnamed"));
  EXPECT_TRUE(spider_errback(s, "on_error"));
}

TEST(NamedCallbacks, FollowResolvesMemberPointersToNames) {
  named_spider s;
  response page(request("http://example.com/a/"), "http://example.com/a/", 200, {{"Content-Type", "text/html"}}, "");
  output out(&page);
  s.parse(page, out);
  ASSERT_EQ(out.requests().size(), 2u);
  EXPECT_EQ(out.requests()[0].url, "http://example.com/item");
  EXPECT_EQ(out.requests()[0].callback_name, "parse_item");
  EXPECT_EQ(out.requests()[1].callback_name, "") << "a method that was not declared has no name";

  auto followed = page.follow("b", &named_spider::parse_item);
  ASSERT_TRUE(followed);
  EXPECT_EQ(followed->callback_name, "parse_item");
  request direct("http://example.com/", &named_spider::parse_item);
  EXPECT_EQ(direct.callback_name, "parse_item");
  direct.set_errback(&named_spider::on_error);
  EXPECT_EQ(direct.errback_name, "on_error");
}

TEST(NamedCallbacks, RequestRoundTripsThroughJson) {
  named_spider s;
  request r("http://example.com/p?q=1", &named_spider::parse_item);
  r.set_errback(&named_spider::on_error);
  r.method = "POST";
  r.headers.add("Content-Type", "application/json");
  r.headers.add("X-Twice", "1");
  r.headers.add("X-Twice", "2");
  r.body = R"({"city":"Berlin"})";
  r.priority = -3;
  r.dont_filter = true;
  r.meta["depth"] = 2;
  r.cb_kwargs["page"] = 7;

  auto back = round_trip(r, s);
  EXPECT_EQ(back.url, r.url);
  EXPECT_EQ(back.method, "POST");
  EXPECT_EQ(back.headers.get_all("X-Twice"), (std::vector<std::string_view>{"1", "2"}));
  EXPECT_EQ(back.body, r.body);
  EXPECT_EQ(back.priority, -3);
  EXPECT_TRUE(back.dont_filter);
  EXPECT_EQ(back.meta, r.meta);
  EXPECT_EQ(back.cb_kwargs, r.cb_kwargs);
  EXPECT_EQ(back.callback_name, "parse_item");
  EXPECT_EQ(back.errback_name, "on_error");
  auto items = run_callback(s, back);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("from"), "parse_item") << "the callback read back is the method named";

  output out;
  failure f{back, make_error_code(errc::http_error), "x"};
  back.errback(s, f, out);
  ASSERT_EQ(out.items().size(), 1u);
  EXPECT_EQ(out.items()[0].at("from"), "on_error");
}

TEST(NamedCallbacks, ParseIsTheDefault) {
  named_spider s;
  auto back = round_trip(request("http://example.com/"), s);
  EXPECT_FALSE(back.callback);
  EXPECT_EQ(to_json(back).at("callback"), nullptr);
  EXPECT_EQ(run_callback(s, back).back().at("from"), "parse");
  auto named_parse = round_trip(request("http://example.com/", &named_spider::parse), s);
  EXPECT_EQ(named_parse.callback_name, "parse");
  EXPECT_EQ(run_callback(s, named_parse).back().at("from"), "parse");
}

TEST(NamedCallbacks, BinaryBodiesTravelAsBase64) {
  named_spider s;
  request r("http://example.com/");
  r.body = std::string("\x00\xff\xfe png\x89", 8);
  auto j = to_json(r);
  EXPECT_FALSE(j.contains("body"));
  EXPECT_TRUE(j.contains("body_base64"));
  EXPECT_EQ(round_trip(r, s).body, r.body);
  for (std::string body : {"", "a", "ab", "abc", "abcd"}) {
    r.body = body + "\xff";
    EXPECT_EQ(round_trip(r, s).body, r.body);
  }
}

TEST(NamedCallbacks, UnnamedCallbacksAreRefusedWithTheFix) {
  request r("http://example.com/x", &named_spider::parse_unnamed);
  try {
    (void)to_json(r);
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_NE(std::string(e.what()).find("http://example.com/x"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ORBWEAVER_SPIDER"), std::string::npos) << e.what();
  }
  request lambda("http://example.com/", [](spider&, const response&, output&) {});
  EXPECT_THROW((void)to_json(lambda), serialization_error);
  request errback_only("http://example.com/");
  errback_only.errback = [](spider&, const failure&, output&) {};
  EXPECT_THROW((void)to_json(errback_only), serialization_error);
}

TEST(NamedCallbacks, MalformedJsonIsRefusedByName) {
  named_spider s;
  auto refused = [&](std::string_view text) {
    try {
      (void)request_from_json(json::parse(text), s);
    } catch (const serialization_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused(R"({"url":"http://a/","callback":"nope"})").find("no callback named 'nope'"), std::string::npos);
  EXPECT_NE(refused(R"({"url":"http://a/","errback":"parse_item"})").find("no errback named"), std::string::npos);
  EXPECT_NE(refused(R"({"method":"GET"})").find("no 'url'"), std::string::npos);
  EXPECT_NE(refused(R"([1])").find("not a JSON object"), std::string::npos);
  EXPECT_NE(refused(R"({"url":"http://a/","priority":"high"})").find("'priority'"), std::string::npos);
  EXPECT_NE(refused(R"({"url":"http://a/","priority":1e30})").find("'priority'"), std::string::npos);
  EXPECT_NE(refused(R"({"url":"http://a/","priority":99999999999})").find("'priority'"), std::string::npos);
  EXPECT_NE(refused(R"({"url":"http://a/","headers":[["a"]]})").find("'headers'"), std::string::npos);
  EXPECT_NE(refused(R"({"url":"http://a/","body_base64":"!!!"})").find("base64"), std::string::npos);
  EXPECT_NE(refused(R"({"url":"http://a/","meta":[]})").find("'meta'"), std::string::npos);
}

// Every spider compiled in (the examples of spiders/ and this file's) round-trips a request to
// each of its named callbacks and errbacks.
TEST(NamedCallbacks, EveryRegisteredSpiderRoundTripsEachCallback) {
  ASSERT_GE(spider_names().size(), 3u) << "the example spiders are linked in";
  for (const auto& name : spider_names()) {
    auto s = create_spider(name);
    ASSERT_TRUE(s) << name;
    for (const auto& cb : callback_names(*s)) {
      request r("http://example.com/");
      r.callback = *spider_callback(*s, cb);
      r.callback_name = cb;
      auto back = round_trip(r, *s);
      EXPECT_EQ(back.callback_name, cb) << name;
      EXPECT_TRUE(back.callback) << name << "." << cb;
    }
    for (const auto& eb : errback_names(*s)) {
      request r("http://example.com/");
      r.errback = *spider_errback(*s, eb);
      r.errback_name = eb;
      EXPECT_EQ(round_trip(r, *s).errback_name, eb) << name;
    }
  }
  auto books = create_spider("books");
  ASSERT_TRUE(books);
  EXPECT_EQ(callback_names(*books), (std::vector<std::string>{"parse", "parse_book"}));
}

}  // namespace
