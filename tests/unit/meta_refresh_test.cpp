// Finding a <meta http-equiv="refresh"> without a DOM: the content attribute's grammar, the tag
// scan (attribute order, quoting, case, comments, ignored tags), URL resolution with <base href>,
// and the response-level search (window, charset, BOM).
#include "downloader/meta_refresh.hpp"

#include <orbweaver/response.hpp>

#include <gtest/gtest.h>

using namespace orbweaver;
using namespace orbweaver::middlewares;

namespace {

constexpr std::string_view page = "http://example.com/dir/page.html";

std::optional<meta_refresh> find(std::string_view html, const std::vector<std::string>& ignore_tags = {}) {
  return find_meta_refresh(html, page, ignore_tags);
}

std::string found_url(std::string_view html, const std::vector<std::string>& ignore_tags = {}) {
  auto refresh = find(html, ignore_tags);
  return refresh ? refresh->url : "<none>";
}

response html_response(std::string body, http_headers headers = {{"Content-Type", "text/html"}}) {
  request r{std::string(page)};
  return response(r, r.url, 200, std::move(headers), std::move(body));
}

}  // namespace

TEST(MetaRefreshContent, DelayAndUrl) {
  auto parsed = parse_refresh_content("5; url=/next");
  ASSERT_TRUE(parsed);
  EXPECT_DOUBLE_EQ(parsed->delay, 5);
  EXPECT_EQ(parsed->url, "/next");
}

TEST(MetaRefreshContent, SpacingCaseSeparatorsAndQuotes) {
  EXPECT_EQ(parse_refresh_content("0;URL=/a")->url, "/a");
  EXPECT_EQ(parse_refresh_content("  3 ,  Url = /b  ")->url, "/b");
  EXPECT_EQ(parse_refresh_content("0; url='/c d'")->url, "/c d");
  EXPECT_EQ(parse_refresh_content("0; url=\"/e\" trailing")->url, "/e");
  EXPECT_EQ(parse_refresh_content("0; url='/unterminated")->url, "/unterminated");
}

TEST(MetaRefreshContent, FractionalDelays) {
  EXPECT_DOUBLE_EQ(parse_refresh_content("1.5; url=/x")->delay, 1.5);
  EXPECT_DOUBLE_EQ(parse_refresh_content(".25; url=/x")->delay, 0.25);
  EXPECT_DOUBLE_EQ(parse_refresh_content("2.; url=/x")->delay, 2);
}

TEST(MetaRefreshContent, NoUrlOrNoDelayIsNoRedirect) {
  EXPECT_FALSE(parse_refresh_content("5")) << "a reload of the page itself";
  EXPECT_FALSE(parse_refresh_content("5;"));
  EXPECT_FALSE(parse_refresh_content("5; url="));
  EXPECT_FALSE(parse_refresh_content("5; url=  ''"));
  EXPECT_FALSE(parse_refresh_content("5; /next")) << "url= is required, as w3lib";
  EXPECT_FALSE(parse_refresh_content("5 url=/next")) << "a separator is required";
  EXPECT_FALSE(parse_refresh_content("url=/next"));
  EXPECT_FALSE(parse_refresh_content(".; url=/next"));
  EXPECT_FALSE(parse_refresh_content("-1; url=/next"));
  EXPECT_FALSE(parse_refresh_content(""));
}

TEST(MetaRefreshFind, PlainTagResolvedAgainstThePage) {
  auto refresh = find(R"(<html><head><meta http-equiv="refresh" content="5; url=next.html"></head></html>)");
  ASSERT_TRUE(refresh);
  EXPECT_DOUBLE_EQ(refresh->delay, 5);
  EXPECT_EQ(refresh->url, "http://example.com/dir/next.html");
}

TEST(MetaRefreshFind, CaseQuotingAndAttributeOrder) {
  EXPECT_EQ(found_url(R"(<META HTTP-EQUIV="Refresh" CONTENT="0;URL=/a">)"), "http://example.com/a");
  EXPECT_EQ(found_url(R"(<meta content='0; url=/b' http-equiv='refresh'/>)"), "http://example.com/b");
  EXPECT_EQ(found_url(R"(<meta http-equiv=refresh content=0;url=/c>)"), "http://example.com/c");
  EXPECT_EQ(found_url("<meta\n  http-equiv = \" refresh \"\n  content = \"1;\n url=/d\">"), "http://example.com/d");
  EXPECT_EQ(found_url(R"(<meta http-equiv="refresh" content="0; url='http://other.org/e'">)"), "http://other.org/e");
}

TEST(MetaRefreshFind, OtherMetasAndRefreshesWithoutUrlAreSkipped) {
  EXPECT_EQ(found_url(R"(<meta charset="utf-8"><meta name="refresh" content="0; url=/no">)"), "<none>");
  EXPECT_EQ(found_url(R"(<meta http-equiv="refresh"><meta http-equiv="content-type" content="0; url=/no">)"),
            "<none>");
  EXPECT_EQ(found_url(R"(<meta http-equiv="refresh" content="30"><meta http-equiv="refresh" content="0;url=/yes">)"),
            "http://example.com/yes")
      << "as w3lib, the first refresh that names a URL";
  EXPECT_EQ(found_url(R"(<meta http-equiv="refresh" content="0;url=/first" content="0;url=/second">)"),
            "http://example.com/first")
      << "a repeated attribute is dropped, as the HTML tokenizer does";
}

TEST(MetaRefreshFind, CommentsAttributeValuesAndIgnoredTagsDoNotCount) {
  EXPECT_EQ(found_url(R"(<!-- <meta http-equiv="refresh" content="0;url=/commented"> -->)"), "<none>");
  EXPECT_EQ(found_url(R"(<div title='<meta http-equiv="refresh" content="0;url=/attr">'></div>)"), "<none>");
  constexpr std::string_view in_noscript =
      R"(<noscript><meta http-equiv="refresh" content="0;url=/nojs"></noscript>)";
  EXPECT_EQ(found_url(in_noscript), "http://example.com/nojs") << "nothing is ignored by default, as Scrapy";
  EXPECT_EQ(found_url(in_noscript, {"noscript"}), "<none>");
  EXPECT_EQ(found_url(R"(<NoScript>x</NOSCRIPT><meta http-equiv="refresh" content="0;url=/after">)", {"noscript"}),
            "http://example.com/after");
  EXPECT_EQ(found_url(R"(<noscript><meta http-equiv="refresh" content="0;url=/unclosed">)", {"noscript"}), "<none>");
  EXPECT_EQ(found_url(R"(<!-- unterminated <meta http-equiv="refresh" content="0;url=/x">)"), "<none>");
}

TEST(MetaRefreshFind, BaseHrefResolvesTheUrl) {
  EXPECT_EQ(found_url(R"(<base href="http://cdn.example.org/root/"><meta http-equiv="refresh" content="0;url=x">)"),
            "http://cdn.example.org/root/x");
  EXPECT_EQ(found_url(R"(<base href="/other/"><meta http-equiv="refresh" content="0;url=x">)"),
            "http://example.com/other/x")
      << "a relative base is relative to the page";
  EXPECT_EQ(found_url(R"(<meta http-equiv="refresh" content="0;url=x"><base href="/late/">)"),
            "http://example.com/late/x")
      << "as w3lib, a base anywhere in the window";
  EXPECT_EQ(found_url(R"(<base target="_top"><meta http-equiv="refresh" content="0;url=x">)"),
            "http://example.com/dir/x");
}

TEST(MetaRefreshFind, CharacterReferencesInAttributesAreDecoded) {
  EXPECT_EQ(found_url(R"(<meta http-equiv="refresh" content="0; url=/q?a=1&amp;b=2&#38;c=&#x33;">)"),
            "http://example.com/q?a=1&b=2&c=3");
  EXPECT_EQ(found_url(R"(<meta http-equiv="refresh" content="0; url=/q?a&copy=1">)"), "http://example.com/q?a&copy=1")
      << "unknown references stay as written";
}

TEST(MetaRefreshFind, UrlsThatCannotBeRequestedAreNoRedirect) {
  EXPECT_FALSE(find(R"html(<meta http-equiv="refresh" content="0; url=javascript:alert(1)">)html"));
  EXPECT_FALSE(find(R"(<meta http-equiv="refresh" content="0; url=ftp://example.com/f">)"));
  EXPECT_FALSE(find(R"(<meta http-equiv="refresh" content="0; url=mailto:a@b.c">)"));
}

TEST(MetaRefreshFind, ToleratesBrokenMarkup) {
  EXPECT_FALSE(find("<"));
  EXPECT_FALSE(find("<meta"));
  EXPECT_FALSE(find(R"(<meta http-equiv="refresh" content="0;url=/x)")) << "a tag the text ends in is dropped";
  EXPECT_FALSE(find(R"(<meta http-equiv="refresh" content="0;url=/x")"));
  EXPECT_FALSE(find("< meta http-equiv=refresh content=0;url=/x>")) << "not a tag";
  EXPECT_EQ(found_url(R"(<p>1 < 2</p><meta http-equiv="refresh" content="0;url=/ok">)"), "http://example.com/ok");
}

TEST(MetaRefreshResponse, OnlyTheFirstFourKilobytesAreSearched) {
  const std::string tag = R"(<meta http-equiv="refresh" content="0;url=/next">)";
  std::string early = "<html><head>" + std::string(3000, ' ') + tag;
  EXPECT_TRUE(find_meta_refresh(html_response(early), {}));
  std::string late = "<html><head>" + std::string(meta_refresh_window, ' ') + tag;
  EXPECT_FALSE(find_meta_refresh(html_response(late), {}));
}

TEST(MetaRefreshResponse, LegacyCharsetUrlsAreDecodedThenEncodedAsUtf8) {
  // "caf\xE9" is "café" in windows-1252; the URL carries it as UTF-8, percent-encoded.
  auto refresh = find_meta_refresh(
      html_response("<meta http-equiv=\"refresh\" content=\"0;url=/caf\xE9\">",
                    {{"Content-Type", "text/html; charset=windows-1252"}}),
      {});
  ASSERT_TRUE(refresh);
  EXPECT_EQ(refresh->url, "http://example.com/caf%C3%A9");
}

TEST(MetaRefreshResponse, Utf16PagesAreReadToo) {
  std::string utf16 = "\xFF\xFE";  // little-endian BOM
  for (char c : std::string_view(R"(<meta http-equiv="refresh" content="0;url=/wide">)")) {
    utf16 += c;
    utf16 += '\0';
  }
  auto refresh = find_meta_refresh(html_response(utf16, {}), {});
  ASSERT_TRUE(refresh);
  EXPECT_EQ(refresh->url, "http://example.com/wide");
}
