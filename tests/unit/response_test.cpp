#include <orbweaver/response.hpp>

#include <orbweaver/error.hpp>
#include <gtest/gtest.h>

#include <string>

using namespace orbweaver;

namespace {

const std::string page_url = "http://example.com/dir/page.html";

response make(std::string body, std::optional<std::string> content_type = "text/html") {
  http_headers headers;
  if (content_type) headers.add("Content-Type", *content_type);
  return response(request(page_url), page_url, 200, std::move(headers), std::move(body));
}

}  // namespace

TEST(Response, KeepsWhatItWasGiven) {
  request req("http://example.com/dir/page.html");
  req.meta["depth"] = 2;
  response r(std::move(req), page_url, 404, {{"X-A", "1"}}, "body");
  EXPECT_EQ(r.url(), page_url);
  EXPECT_EQ(r.status(), 404);
  EXPECT_EQ(r.headers().get("x-a"), "1");
  EXPECT_EQ(r.body(), "body");
  EXPECT_EQ(r.meta().at("depth").as_int64(), 2);
  EXPECT_EQ(r.req().url, page_url);
}

TEST(Response, EncodingFromHeaderMetaOrDefault) {
  EXPECT_EQ(make("<p>", "text/html; charset=ISO-8859-1").encoding(), "windows-1252");
  EXPECT_EQ(make("<meta charset=koi8-r><p>", "text/html").encoding(), "koi8-r");
  EXPECT_EQ(make("<meta charset=koi8-r><p>", "text/html; charset=utf-8").encoding(), "utf-8");
  EXPECT_EQ(make("<p>", std::nullopt).encoding(), "utf-8");
  EXPECT_EQ(make("\xEF\xBB\xBF<p>", "text/html; charset=latin1").encoding(), "utf-8");
}

TEST(Response, TextIsTheBodyItselfWhenItIsValidUtf8) {
  auto r = make("<p>caf\xC3\xA9</p>", "text/html; charset=utf-8");
  EXPECT_EQ(r.text(), r.body());
  EXPECT_EQ(r.text().data(), r.body().data());  // no copy
}

TEST(Response, TextDropsTheByteOrderMark) {
  auto r = make("\xEF\xBB\xBF<p>x</p>", std::nullopt);
  EXPECT_EQ(r.text(), "<p>x</p>");
  EXPECT_EQ(r.css("p::text").get(), "x");
}

TEST(Response, TextReplacesInvalidUtf8) {
  auto r = make("<p>caf\xE9 ok</p>", "text/html; charset=utf-8");
  EXPECT_EQ(r.text(), "<p>caf\xEF\xBF\xBD ok</p>");
  EXPECT_EQ(r.css("p::text").get(), "caf\xEF\xBF\xBD ok");
}

TEST(Response, Latin1IsTranscodedBeforeParsing) {
  auto r = make("<meta charset=\"iso-8859-1\"><h1>Caf\xE9 \x80 10</h1>", "text/html");
  EXPECT_EQ(r.encoding(), "windows-1252");
  EXPECT_EQ(r.text(), "<meta charset=\"iso-8859-1\"><h1>Caf\xC3\xA9 \xE2\x82\xAC 10</h1>");
  EXPECT_EQ(r.css("h1::text").get(), "Caf\xC3\xA9 \xE2\x82\xAC 10");
}

TEST(Response, OtherCharsetsAreTranscoded) {
  auto r = make("<title>\xCF\xF0\xE8\xE2\xE5\xF2</title>", "text/html; charset=windows-1251");
  EXPECT_EQ(r.css("title::text").get(), "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
  auto utf16 = make(std::string("\xFF\xFE<\0p\0>\0h\0i\0", 12), std::nullopt);
  EXPECT_EQ(utf16.encoding(), "utf-16le");
  EXPECT_EQ(utf16.text(), "<p>hi");
}

TEST(Response, IsHtml) {
  EXPECT_TRUE(make("{}", "text/html").is_html());
  EXPECT_TRUE(make("", "Text/HTML; charset=utf-8").is_html());
  EXPECT_TRUE(make("", "application/xhtml+xml").is_html());
  EXPECT_FALSE(make("<html>", "application/json").is_html());
  EXPECT_FALSE(make("<html>", "text/plain").is_html());
  EXPECT_FALSE(make("<html>", "text/htmlx").is_html());
  EXPECT_TRUE(make(" \n\t<!doctype html>", std::nullopt).is_html());
  EXPECT_TRUE(make("\xEF\xBB\xBF<html>", std::nullopt).is_html());
  EXPECT_TRUE(make("<html>", "").is_html());
  EXPECT_FALSE(make("{\"a\": 1}", std::nullopt).is_html());
  EXPECT_FALSE(make("", std::nullopt).is_html());
}

TEST(Response, CssParsesOnceAndKeepsTheDocument) {
  auto r = make("<ul><li>a</li><li>b</li></ul>");
  auto first = r.css("li");
  auto second = r.css("li");
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first.getall(), second.getall());
  EXPECT_EQ(first.css("::text").getall(), (std::vector<std::string>{"a", "b"}));
}

TEST(Response, CssNeedsMarkup) {
  EXPECT_THROW(make("%PDF-1.4", "application/pdf").css("title"), not_supported);
  EXPECT_THROW(make("{\"a\": \"<b>\"}", "application/json").css("b"), not_supported);
  EXPECT_THROW(make(std::string("\0\x01\x02", 3), std::nullopt).css("a"), not_supported);
  EXPECT_THROW(make("<b>x</b>", "text/plain").css("b"), not_supported);
  EXPECT_EQ(make("<rss><item>x</item></rss>", "application/rss+xml").css("item::text").get(), "x");
  EXPECT_EQ(make("<a>y</a>", "text/xml; charset=utf-8").css("a::text").get(), "y");
  EXPECT_EQ(make("<p>z</p>", std::nullopt).css("p::text").get(), "z");
}

TEST(Response, Json) {
  auto r = make(R"({"items": [1, 2], "name": "x"})", "application/json");
  auto value = r.json();
  EXPECT_EQ(value.at("items").as_array().size(), 2u);
  EXPECT_EQ(value.at("name").as_string(), "x");
  EXPECT_THROW(make("{not json", "application/json").json(), value_error);
  EXPECT_EQ(make("\xEF\xBB\xBF[1]", "application/json").json().as_array().size(), 1u);
}

TEST(Response, UrljoinAgainstTheResponseUrl) {
  auto r = make("<a href=x>");
  EXPECT_EQ(r.urljoin("other.html"), "http://example.com/dir/other.html");
  EXPECT_EQ(r.urljoin("/root?q=1#frag"), "http://example.com/root?q=1");
  EXPECT_EQ(r.urljoin("https://other.org/p"), "https://other.org/p");
  EXPECT_EQ(r.urljoin("javascript:void(0)"), std::nullopt);
  EXPECT_EQ(r.urljoin("mailto:a@example.com"), std::nullopt);
  EXPECT_EQ(r.urljoin("data:text/plain,x"), std::nullopt);
}

TEST(Response, UrljoinHonoursBaseHref) {
  auto absolute = make(R"(<head><base href="http://cdn.example.org/assets/"></head><a href="x.html">)");
  EXPECT_EQ(absolute.urljoin("x.html"), "http://cdn.example.org/assets/x.html");
  EXPECT_EQ(absolute.urljoin("/y"), "http://cdn.example.org/y");

  // A relative base is resolved against the response URL first; resolving it before or after
  // css() gives the same answer.
  auto relative = make(R"(<base href="../other/"><a href="x.html">)");
  EXPECT_EQ(relative.urljoin("x.html"), "http://example.com/other/x.html");
  auto parsed_first = make(R"(<base href="../other/"><a href="x.html">)");
  EXPECT_EQ(parsed_first.css("a::attr(href)").get(), "x.html");
  EXPECT_EQ(parsed_first.urljoin("x.html"), "http://example.com/other/x.html");

  // Only the first <base> with an href counts; one that cannot be a base is ignored.
  auto several = make(R"(<base target=_blank><base href="/first/"><base href="/second/">)");
  EXPECT_EQ(several.urljoin("x"), "http://example.com/first/x");
  auto unusable = make(R"html(<base href="javascript:alert(1)">)html");
  EXPECT_EQ(unusable.urljoin("x"), "http://example.com/dir/x");

  // Text that is not HTML has no <base>.
  auto json = make(R"({"html": "<base href='http://evil.example/'>"})", "application/json");
  EXPECT_EQ(json.urljoin("x"), "http://example.com/dir/x");
}

TEST(Response, FollowBuildsARequest) {
  auto r = make("<a href=next.html>");
  bool called = false;
  auto next = r.follow("next.html#top", [&](spider&, const response&, output&) { called = true; });
  ASSERT_TRUE(next);
  EXPECT_EQ(next->url, "http://example.com/dir/next.html");
  EXPECT_EQ(next->method, "GET");
  ASSERT_TRUE(next->callback);
  EXPECT_FALSE(called);
  EXPECT_FALSE(r.follow("mailto:x@example.com"));
  EXPECT_FALSE(r.follow("javascript:go()"));
  EXPECT_FALSE(r.follow("next.html")->callback);
}
