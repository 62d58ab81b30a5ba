// link_extractor over pages built in the test. The expectations are Scrapy's own
// (tests/test_linkextractors.py, each test named), with two differences of ours: a link's URL has
// no fragment (it is in page_link::fragment; Scrapy keeps it in the URL), and links that cannot be
// requested over HTTP (ftp:) are dropped.
#include <orbweaver/link_extractor.hpp>
#include <orbweaver/response.hpp>

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace {

using namespace orbweaver;

response page(std::string body, std::string url = "http://example.com/index", std::string type = "text/html") {
  return response(request(url), url, 200, {{"Content-Type", std::move(type)}}, std::move(body));
}

// tests/sample_data/link_extractor/linkextractor.html
const char* const scrapy_page = R"(<!DOCTYPE html>
<html>
  <head>
    <base href='http://example.com' />
    <title>Sample page with links for testing LinkExtractor</title>
  </head>
  <body>
    <div id='wrapper'>
      <div id='subwrapper'>
        <area href='sample1.html' alt='sample1'/>
        <a href='sample2.html'>sample 2<img src='sample2.jpg' alt='sample2'/></a>
      </div>
      <a href='http://example.com/sample3.html' title='sample 3'>sample 3 text</a>
      <a href='sample3.html'>sample 3 repetition</a>
      <a href='sample3.html'>sample 3 repetition</a>
      <a href='sample3.html#foo'>sample 3 repetition with fragment</a>
      <a href='http://www.google.com/something'></a>
      <a href='http://example.com/innertag.html'><strong>inner</strong> tag</a>
      <a href='page 4.html'>href with whitespaces</a>
    </div>
  </body>
</html>)";

page_link l(std::string url, std::string text = "", std::string fragment = "", bool nofollow = false) {
  return page_link{std::move(url), std::move(text), std::move(fragment), nofollow};
}

std::vector<std::string> urls(const std::vector<page_link>& links) {
  std::vector<std::string> out;
  for (const auto& x : links) out.push_back(x.url);
  return out;
}

const std::vector<page_link> sample_links_1_to_3 = {
    l("http://example.com/sample1.html"),
    l("http://example.com/sample2.html", "sample 2"),
    l("http://example.com/sample3.html", "sample 3 text"),
    l("http://example.com/sample3.html", "sample 3 repetition with fragment", "foo"),
};

// test_extract_all_links: every <a> and <area> href in document order, resolved against
// <base href>, with the text of the element; unique by URL and fragment.
TEST(LinkExtractor, ExtractsEveryLinkInDocumentOrderAgainstTheBaseHref) {
  const auto r = page(scrapy_page);
  auto expected = sample_links_1_to_3;
  expected.push_back(l("http://www.google.com/something"));
  expected.push_back(l("http://example.com/innertag.html", "inner tag"));
  expected.push_back(l("http://example.com/page%204.html", "href with whitespaces"));
  EXPECT_EQ(link_extractor().extract_links(r), expected);
}

// test_extract_filter_allow, test_extract_filter_allow_and_deny, test_extraction_using_single_values
TEST(LinkExtractor, AllowAndDenyAreSearchedInTheAbsoluteUrl) {
  const auto r = page(scrapy_page);
  EXPECT_EQ(link_extractor({.allow = {"sample"}}).extract_links(r), sample_links_1_to_3);
  EXPECT_EQ(link_extractor({.allow = {"sample"}, .deny = {"3"}}).extract_links(r),
            (std::vector<page_link>{l("http://example.com/sample1.html"), l("http://example.com/sample2.html", "sample 2")}));
  // Several patterns: any allow one, no deny one.
  EXPECT_EQ(urls(link_extractor({.allow = {"sample1", "inner"}, .deny = {"^https:"}}).extract_links(r)),
            (std::vector<std::string>{"http://example.com/sample1.html", "http://example.com/innertag.html"}));
  // The pattern sees the scheme and host too.
  EXPECT_EQ(urls(link_extractor({.allow = {R"(^http://www\.google\.com/)"}}).extract_links(r)),
            (std::vector<std::string>{"http://www.google.com/something"}));
}

// test_extract_filter_allow_with_duplicates
TEST(LinkExtractor, UniqueFalseKeepsRepeatedLinks) {
  const auto r = page(scrapy_page);
  EXPECT_EQ(link_extractor({.allow = {"sample"}, .unique = false}).extract_links(r),
            (std::vector<page_link>{l("http://example.com/sample1.html"), l("http://example.com/sample2.html", "sample 2"),
                               l("http://example.com/sample3.html", "sample 3 text"),
                               l("http://example.com/sample3.html", "sample 3 repetition"),
                               l("http://example.com/sample3.html", "sample 3 repetition"),
                               l("http://example.com/sample3.html", "sample 3 repetition with fragment", "foo")}));
}

// test_extract_filter_allow_with_duplicates_canonicalize, test_extract_filter_allow_no_duplicates_canonicalize
TEST(LinkExtractor, CanonicalizeDropsTheFragmentSoUniqueKeepsOneLinkPerPage) {
  const auto r = page(scrapy_page);
  auto all = link_extractor({.allow = {"sample"}, .canonicalize = true, .unique = false}).extract_links(r);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all.back(), l("http://example.com/sample3.html", "sample 3 repetition with fragment"));
  EXPECT_EQ(link_extractor({.allow = {"sample"}, .canonicalize = true}).extract_links(r),
            (std::vector<page_link>{l("http://example.com/sample1.html"), l("http://example.com/sample2.html", "sample 2"),
                               l("http://example.com/sample3.html", "sample 3 text")}));
}

// test_link_extractor_aggregation: unique and canonicalize over several restricted regions.
TEST(LinkExtractor, UniqueComparesUrlsAsWrittenUnlessCanonicalized) {
  const auto r = page(R"(
    <div><a href="/a">a1</a><a href="/b?a=1&b=2">b1</a></div>
    <div><a href="/a">a2</a><a href="/b?b=2&a=1">b2</a></div>)",
                      "https://example.com");
  EXPECT_EQ(link_extractor({.restrict_css = {"div"}}).extract_links(r),
            (std::vector<page_link>{l("https://example.com/a", "a1"), l("https://example.com/b?a=1&b=2", "b1"),
                               l("https://example.com/b?b=2&a=1", "b2")}));
  EXPECT_EQ(link_extractor({.restrict_css = {"div"}, .canonicalize = true}).extract_links(r),
            (std::vector<page_link>{l("https://example.com/a", "a1"), l("https://example.com/b?a=1&b=2", "b1")}));
  EXPECT_EQ(link_extractor({.restrict_css = {"div"}, .unique = false}).extract_links(r).size(), 4u);
  EXPECT_EQ(link_extractor({.restrict_css = {"div"}, .canonicalize = true, .unique = false}).extract_links(r).back(),
            l("https://example.com/b?a=1&b=2", "b2"));
}

// test_extract_filter_allowed_domains, test_extraction_using_single_values, test_matches
TEST(LinkExtractor, DomainsMatchThemselvesAndTheirSubdomains) {
  const auto r = page(scrapy_page);
  EXPECT_EQ(link_extractor({.allow_domains = {"google.com"}}).extract_links(r),
            (std::vector<page_link>{l("http://www.google.com/something")}));
  EXPECT_EQ(link_extractor({.deny_domains = {"example.com"}}).extract_links(r),
            (std::vector<page_link>{l("http://www.google.com/something")}));
  EXPECT_EQ(link_extractor({.allow_domains = {"Example.COM"}}).extract_links(r).size(), 6u);
  // A domain that merely ends with the name is another domain.
  EXPECT_TRUE(link_extractor({.allow_domains = {"ample.com"}}).extract_links(r).empty());

  const std::string url1 = "http://lotsofstuff.com/stuff1/index";
  const std::string url2 = "http://evenmorestuff.com/uglystuff/index";
  EXPECT_TRUE(link_extractor({.allow = {"stuff1"}}).matches(url1));
  EXPECT_FALSE(link_extractor({.allow = {"stuff1"}}).matches(url2));
  EXPECT_TRUE(link_extractor({.deny = {"uglystuff"}}).matches(url1));
  EXPECT_FALSE(link_extractor({.deny = {"uglystuff"}}).matches(url2));
  EXPECT_FALSE(link_extractor({.allow_domains = {"evenmorestuff.com"}}).matches(url1));
  EXPECT_TRUE(link_extractor({.allow_domains = {"evenmorestuff.com"}}).matches(url2));
  EXPECT_FALSE(link_extractor({.deny_domains = {"lotsofstuff.com"}}).matches(url1));
  EXPECT_TRUE(link_extractor({.deny_domains = {"lotsofstuff.com"}}).matches(url2));
  link_extractor all({.allow = {"blah1"}, .deny = {"blah2"}, .allow_domains = {"blah1.com"}, .deny_domains = {"blah2.com"}});
  EXPECT_TRUE(all.matches("http://blah1.com/blah1"));
  EXPECT_FALSE(all.matches("http://blah1.com/blah2"));
  EXPECT_FALSE(all.matches("http://blah2.com/blah1"));
  EXPECT_FALSE(all.matches("http://blah2.com/blah2"));
  EXPECT_TRUE(link_extractor({.allow_domains = {"blah1.com"}}).matches("https://www.blah1.com/"));
}

// test_nofollow
TEST(LinkExtractor, RelNofollowIsMarked) {
  const auto r = page(R"(<html><head><title>Page title</title></head>
    <body>
    <div class='links'><p><a href="/about.html">About us</a></p></div>
    <div><p><a href="/follow.html">Follow this link</a></p></div>
    <div><p><a href="/nofollow.html" rel="nofollow">Dont follow this one</a></p></div>
    <div><p><a href="/nofollow2.html" rel="blah">Choose to follow or not</a></p></div>
    <div><p><a href="http://google.com/something" rel="external nofollow">External link not to follow</a></p></div>
    <div><p><a href="/upper.html" rel="Author,NoFollow">Upper case, commas</a></p></div>
    </body></html>)",
                      "http://example.org/somepage/index.html");
  EXPECT_EQ(link_extractor().extract_links(r),
            (std::vector<page_link>{l("http://example.org/about.html", "About us"),
                               l("http://example.org/follow.html", "Follow this link"),
                               l("http://example.org/nofollow.html", "Dont follow this one", "", true),
                               l("http://example.org/nofollow2.html", "Choose to follow or not"),
                               l("http://google.com/something", "External link not to follow", "", true),
                               l("http://example.org/upper.html", "Upper case, commas", "", true)}));
}

// test_restrict_xpaths, test_restrict_css, test_restrict_css_and_restrict_xpaths_together
TEST(LinkExtractor, RestrictXpathsAndCssLimitLinksToTheirRegions) {
  const auto r = page(scrapy_page);
  const std::vector<page_link> in_subwrapper = {l("http://example.com/sample1.html"),
                                           l("http://example.com/sample2.html", "sample 2")};
  EXPECT_EQ(link_extractor({.restrict_xpaths = {R"(//div[@id="subwrapper"])"}}).extract_links(r), in_subwrapper);
  EXPECT_EQ(link_extractor({.restrict_css = {"#subwrapper"}}).extract_links(r), in_subwrapper);
  // A region that is itself a link.
  EXPECT_EQ(link_extractor({.restrict_css = {"#subwrapper a"}}).extract_links(r),
            (std::vector<page_link>{l("http://example.com/sample2.html", "sample 2")}));
  // XPath regions first, then CSS ones.
  EXPECT_EQ(link_extractor({.restrict_xpaths = {R"(//div[@id="subwrapper"])"}, .restrict_css = {"#subwrapper + a"}})
                .extract_links(r),
            (std::vector<page_link>{l("http://example.com/sample1.html"), l("http://example.com/sample2.html", "sample 2"),
                               l("http://example.com/sample3.html", "sample 3 text")}));
  // A selection of text or attributes holds no links.
  EXPECT_TRUE(link_extractor({.restrict_xpaths = {"//a/@href"}}).extract_links(r).empty());
  EXPECT_THROW(link_extractor({.restrict_css = {"div["}}).extract_links(r), selector_error);
}

// test_restrict_xpaths_encoding, test_restrict_xpaths_concat_in_handle_data: text in the page's charset.
TEST(LinkExtractor, TextIsDecodedFromThePageCharset) {
  const auto r = page("<html><body><p><a href=\"item/12.html\">Item 12</a></p><div class='links'>"
                      "<p><a href=\"/about.html\">About us\xa3</a></p></div></body></html>",
                      "http://example.org/somepage/index.html", "text/html; charset=windows-1252");
  EXPECT_EQ(link_extractor({.restrict_xpaths = {"//div[@class='links']"}}).extract_links(r),
            (std::vector<page_link>{l("http://example.org/about.html", "About us\u00a3")}));
  const auto gb = page("<html><body><div><a href=\"/foo\">&gt;\xbe\xa9&lt;\xb6\xab</a></body></html>",
                       "http://example.org", "text/html; charset=gb18030");
  EXPECT_EQ(link_extractor({.restrict_xpaths = {"//div"}}).extract_links(gb),
            (std::vector<page_link>{l("http://example.org/foo", ">\u4eac<\u4e1c")}));
}

// test_encoded_url, test_encoded_url_in_restricted_xpath, test_base_url_with_restrict_xpaths
TEST(LinkExtractor, ResolvesAsABrowserDoes) {
  const auto encoded = page(R"(<html><body><div><a href="?page=2">BinB</a></body></html>)", "http://known.fm/AC%2FDC/");
  EXPECT_EQ(link_extractor().extract_links(encoded), (std::vector<page_link>{l("http://known.fm/AC%2FDC/?page=2", "BinB")}));
  EXPECT_EQ(link_extractor({.restrict_xpaths = {"//div"}}).extract_links(encoded),
            (std::vector<page_link>{l("http://known.fm/AC%2FDC/?page=2", "BinB")}));
  const auto based = page(R"(<html><head><title>Page title</title><base href="http://otherdomain.com/base/" /></head>
    <body><p><a href="item/12.html">Item 12</a></p></body></html>)",
                          "http://example.org/somepage/index.html");
  EXPECT_EQ(link_extractor({.restrict_xpaths = {"//p"}}).extract_links(based),
            (std::vector<page_link>{l("http://otherdomain.com/base/item/12.html", "Item 12")}));
  // A relative <base href> is relative to the page; a bare fragment is the page itself.
  const auto relative_base = page(R"(<base href="/docs/"><a href="a.html">a</a><a href="#top">top</a>)",
                                  "http://example.org/x/y.html");
  EXPECT_EQ(link_extractor().extract_links(relative_base),
            (std::vector<page_link>{l("http://example.org/docs/a.html", "a"), l("http://example.org/docs/", "top", "top")}));
}

// test_link_wrong_href, test_skip_bad_links, test_ftp_links (kept by Scrapy; not requestable here)
TEST(LinkExtractor, LinksThatCannotBeRequestedAreSkipped) {
  const auto r = page(R"html(
    <a href="http://example.org/item1.html">Item 1</a>
    <a href="http://[example.org/item2.html">Item 2</a>
    <a href="http://example.org:non-port">Why would you do this?</a>
    <a href="ftp://www.external.com/">An Item</a>
    <a href="mailto:someone@example.org">Mail</a>
    <a href="javascript:void(0)">Script</a>
    <a href="data:text/html,hi">Data</a>
    <a href="http://example.org/item3.html">Item 3</a>)html",
                      "http://example.org/index.html");
  EXPECT_EQ(link_extractor().extract_links(r),
            (std::vector<page_link>{l("http://example.org/item1.html", "Item 1"), l("http://example.org/item3.html", "Item 3")}));
}

// test_ignored_extensions
TEST(LinkExtractor, DenyExtensionsDefaultToScrapysIgnoredExtensions) {
  const auto r = page(R"(<a href="page.html">asd</a> and <a href="photo.jpg">)", "http://example.org/");
  EXPECT_EQ(link_extractor().extract_links(r), (std::vector<page_link>{l("http://example.org/page.html", "asd")}));
  EXPECT_EQ(link_extractor({.deny_extensions = {"html"}}).extract_links(r),
            (std::vector<page_link>{l("http://example.org/photo.jpg")}));
  // The path is compared without regard to case; the query does not count.
  const auto more = page(R"(<a href="A.PDF">pdf</a><a href="b.tar.gz">tgz</a><a href="c?f=x.zip">query</a>)",
                         "http://example.org/");
  EXPECT_EQ(urls(link_extractor().extract_links(more)), (std::vector<std::string>{"http://example.org/c?f=x.zip"}));
  EXPECT_EQ(link_extractor({.deny_extensions = {}}).extract_links(more).size(), 3u);
}

// test_process_value
TEST(LinkExtractor, ProcessValueRewritesOrDropsValues) {
  const auto r = page(R"(
<a href="javascript:goToPage('../other/page.html','photo','width=600,height=540,scrollbars'); return false">Text</a>
<a href="/about.html">About us</a>)",
                      "http://example.org/somepage/index.html");
  auto go_to_page = [](std::string_view value) -> std::optional<std::string> {
    static const std::regex call(R"(javascript:goToPage\('(.*?)')");
    std::match_results<std::string_view::const_iterator> m;
    if (std::regex_search(value.begin(), value.end(), m, call)) return m[1].str();
    return std::nullopt;
  };
  EXPECT_EQ(link_extractor({.process_value = go_to_page}).extract_links(r),
            (std::vector<page_link>{l("http://example.org/other/page.html", "Text")}));

  // A value that resolves is given absolute, with its fragment; the others as written.
  std::vector<std::string> seen;
  auto record = [&](std::string_view value) -> std::optional<std::string> {
    seen.emplace_back(value);
    return std::string(value);
  };
  const auto both = page(R"(<a href="  javascript:go()  ">x</a><a href=" p.html#s ">y</a>)", "http://example.org/d/");
  EXPECT_EQ(link_extractor({.process_value = record}).extract_links(both),
            (std::vector<page_link>{l("http://example.org/d/p.html", "y", "s")}));
  EXPECT_EQ(seen, (std::vector<std::string>{"javascript:go()", "http://example.org/d/p.html#s"}));
  // strip = false gives the value with its whitespace.
  seen.clear();
  (void)link_extractor({.process_value = record, .strip = false}).extract_links(both);
  EXPECT_EQ(seen.front(), "  javascript:go()  ");
}

// test_attrs, test_tags, test_tags_attrs
TEST(LinkExtractor, TagsAndAttrsChooseWhereLinksAreRead) {
  const auto r = page(scrapy_page);
  auto with_images = link_extractor({.tags = {"a", "area", "img"}, .attrs = {"href", "src"}, .deny_extensions = {}})
                         .extract_links(r);
  ASSERT_GE(with_images.size(), 3u);
  EXPECT_EQ(with_images[2], l("http://example.com/sample2.jpg"));
  EXPECT_EQ(with_images.size(), 8u);
  EXPECT_TRUE(link_extractor({.attrs = {}}).extract_links(r).empty());

  const auto tags = page(R"(<html><area href="sample1.html"></area><a href="sample2.html">sample 2</a><img src="sample2.jpg"/></html>)",
                         "http://example.com/index.html");
  EXPECT_TRUE(link_extractor({.tags = {}}).extract_links(tags).empty());
  EXPECT_EQ(urls(link_extractor({.tags = {"area"}}).extract_links(tags)),
            (std::vector<std::string>{"http://example.com/sample1.html"}));
  EXPECT_EQ(urls(link_extractor({.tags = {"a"}}).extract_links(tags)),
            (std::vector<std::string>{"http://example.com/sample2.html"}));
  EXPECT_EQ(urls(link_extractor({.tags = {"a", "img"}, .attrs = {"href", "src"}, .deny_extensions = {}}).extract_links(tags)),
            (std::vector<std::string>{"http://example.com/sample2.html", "http://example.com/sample2.jpg"}));
  EXPECT_EQ(urls(link_extractor({.tags = {"*"}, .attrs = {"src"}, .deny_extensions = {}}).extract_links(tags)),
            (std::vector<std::string>{"http://example.com/sample2.jpg"}));

  const auto data = page(R"(<html><body>
    <div id="item1" data-url="get?id=1"><a href="#">Item 1</a></div>
    <div id="item2" data-url="get?id=2"><a href="#">Item 2</a></div>
    </body></html>)",
                         "http://example.com/index.html");
  EXPECT_EQ(link_extractor({.tags = {"div"}, .attrs = {"data-url"}}).extract_links(data),
            (std::vector<page_link>{l("http://example.com/get?id=1", "Item 1"), l("http://example.com/get?id=2", "Item 2")}));
  EXPECT_EQ(link_extractor({.tags = {"DIV"}, .attrs = {"Data-URL"}}).extract_links(data).size(), 2u);
}

// test_link_restrict_text
TEST(LinkExtractor, RestrictTextKeepsLinksWhoseTextMatches) {
  const auto r = page(R"(
    <a href="http://example.org/item1.html">Pic of a cat</a>
    <a href="http://example.org/item2.html">Pic of a dog</a>
    <a href="http://example.org/item3.html">Pic of a cow</a>)",
                      "http://example.org/index.html");
  EXPECT_EQ(urls(link_extractor({.restrict_text = {"dog"}}).extract_links(r)),
            (std::vector<std::string>{"http://example.org/item2.html"}));
  EXPECT_EQ(urls(link_extractor({.restrict_text = {"of.*dog", "of.*cat"}}).extract_links(r)),
            (std::vector<std::string>{"http://example.org/item1.html", "http://example.org/item2.html"}));
}

TEST(LinkExtractor, PagesThatAreNotMarkupHaveNoLinks) {
  EXPECT_TRUE(link_extractor().extract_links(page(R"({"a": "<a href='/x'>x</a>"})", "http://e.org/", "application/json")).empty());
}

TEST(LinkExtractor, MistakesInTheOptionsAreReportedWhenItIsMade) {
  auto message = [](link_extractor_options options) {
    try {
      link_extractor{std::move(options)};
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({.allow = {"item(["}}).find("link_extractor allow"), std::string::npos) << message({.allow = {"item(["}});
  EXPECT_NE(message({.deny = {"("}}).find("link_extractor deny"), std::string::npos);
  EXPECT_NE(message({.tags = {"a b"}}).find("\"a b\" is not an element"), std::string::npos);
  EXPECT_NE(message({.attrs = {"*"}}).find("link_extractor attrs"), std::string::npos);
}

}  // namespace
