// Selectors Level 4 pseudo-classes (:has :is :where :not :root :scope :checked :lang), cssselect's
// :contains(), and CSS Syntax §3.3 input preprocessing of the selector text.
#include <orbweaver/response.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace orbweaver;

namespace {

using strings = std::vector<std::string>;

response page(std::string body) {
  return response(request("http://example.com/"), "http://example.com/", 200,
                  {{"Content-Type", "text/html; charset=utf-8"}}, std::move(body));
}

// The id of every element a query finds, in document order ("-" for an element without one).
strings ids(const selector_list& found) {
  strings result;
  for (const auto& item : found) result.push_back(item.attrib("id").value_or("-"));
  return result;
}

const char* const shop = R"(<html id=html lang=en><body id=body>
<div id=d1 class=card><a id=a1 href="/1">One</a><p id=p1>first</p></div>
<div id=d2 class=card><span id=s2>no link</span><p id=p2>second</p></div>
<div id=d3><p id=p3>third <b id=b3>bold</b></p><a id=a3 href="/3">Three</a></div>
<section id=sec><h2 id=h2>Title</h2><p id=p4>after</p><em id=em4>x</em><p id=p5>later</p></section>
</body></html>)";

}  // namespace

TEST(CssHas, DescendantIsTheDefault) {
  auto r = page(shop);
  EXPECT_EQ(ids(r.css("div:has(a)")), (strings{"d1", "d3"}));
  EXPECT_EQ(ids(r.css("div:has(b)")), (strings{"d3"}));  // deeper than a child
  EXPECT_EQ(ids(r.css("div:has(table)")), strings{});
  EXPECT_EQ(ids(r.css("body:has(div a[href='/3'])")), (strings{"body"}));
  EXPECT_EQ(ids(r.css(":has(#b3)")), (strings{"html", "body", "d3", "p3"}));  // every ancestor
  EXPECT_EQ(ids(r.css("b:has(*)")), strings{});  // the element itself does not count
}

TEST(CssHas, ChildAdjacentAndSiblingCombinators) {
  auto r = page(shop);
  EXPECT_EQ(ids(r.css("div:has(> b)")), strings{});
  EXPECT_EQ(ids(r.css("div:has(> p > b)")), (strings{"d3"}));
  EXPECT_EQ(ids(r.css("div:has(> a)")), (strings{"d1", "d3"}));
  EXPECT_EQ(ids(r.css("h2:has(+ p)")), (strings{"h2"}));
  EXPECT_EQ(ids(r.css("p:has(+ p)")), strings{});
  EXPECT_EQ(ids(r.css("p:has(+ em)")), (strings{"p4"}));
  EXPECT_EQ(ids(r.css("p:has(~ p)")), (strings{"p4"}));
  EXPECT_EQ(ids(r.css("p:has(~ em)")), (strings{"p4"}));
  EXPECT_EQ(ids(r.css("em:has(~ h2)")), strings{});  // only later siblings
  EXPECT_EQ(ids(r.css("div:has(+ div > span)")), (strings{"d1"}));  // into the sibling
  EXPECT_EQ(ids(r.css("div:has(~ section h2)")), (strings{"d1", "d2", "d3"}));
}

TEST(CssHas, SelectorListsAndCombinations) {
  auto r = page(shop);
  EXPECT_EQ(ids(r.css("div:has(span, b)")), (strings{"d2", "d3"}));
  EXPECT_EQ(ids(r.css("div:not(:has(a))")), (strings{"d2"}));
  EXPECT_EQ(r.css(".card:has(a) > p::text").getall(), (strings{"first"}));
  EXPECT_EQ(r.css("div:has(> a) a::attr(href)").getall(), (strings{"/1", "/3"}));
}

TEST(CssIsWhere, MatchAnyAlternative) {
  auto r = page(shop);
  EXPECT_EQ(ids(r.css(":is(#p1, #p3)")), (strings{"p1", "p3"}));
  EXPECT_EQ(ids(r.css(":where(#p1, #p3)")), (strings{"p1", "p3"}));
  EXPECT_EQ(ids(r.css("p:is(.card > *)")), (strings{"p1", "p2"}));
  EXPECT_EQ(ids(r.css(":is(section, div) > a")), (strings{"a1", "a3"}));
  EXPECT_EQ(ids(r.css(":is(h2 + p)")), (strings{"p4"}));
  EXPECT_EQ(ids(r.css(":matches(#p1)")), (strings{"p1"}));  // cssselect's older name
  EXPECT_EQ(ids(r.css(":is(#nothing)")), strings{});
  EXPECT_EQ(ids(r.css("p:where(:not(.card p))")), (strings{"p3", "p4", "p5"}));
}

TEST(CssIsWhere, NestWithHas) {
  auto r = page(shop);
  EXPECT_EQ(ids(r.css(":is(:has(> a), p)")), (strings{"d1", "p1", "p2", "d3", "p3", "p4", "p5"}));
  EXPECT_EQ(ids(r.css("div:is(:has(span), :has(b))")), (strings{"d2", "d3"}));
  EXPECT_EQ(ids(r.css(":where(:is(:where(#a1)))")), (strings{"a1"}));
}

TEST(CssIsWhere, ComplexSelectorsInsideSeeTheWholeDocument) {
  auto r = page(shop);
  // From d3, ":is(body p)" finds d3's <p>: its <body> ancestor lies outside the scope, as in
  // element.querySelectorAll(), while the top-level steps of "body p" start inside the scope.
  const auto d3 = r.css("#d3");
  EXPECT_EQ(ids(d3.css(":is(body p)")), (strings{"p3"}));
  EXPECT_EQ(ids(d3.css("body p")), strings{});
}

TEST(CssIsWhere, ForgivingSelectorLists) {
  auto r = page(shop);
  EXPECT_EQ(ids(r.css(":is(#p1, :unknown, p::text, #p3, ..bad)")), (strings{"p1", "p3"}));
  EXPECT_EQ(ids(r.css(":where(:nope(1, (2)), [x=\"),\"], #a1)")), (strings{"a1"}));
  EXPECT_EQ(ids(r.css(":is()")), strings{});
  EXPECT_EQ(ids(r.css("p:is(:hover)")), strings{});
  EXPECT_EQ(ids(r.css("a:is(  #a1  ,  )")), (strings{"a1"}));
}

TEST(CssNot, TakesComplexSelectorListsAndNests) {
  auto r = page(shop);
  EXPECT_EQ(ids(r.css("p:not(.card > p)")), (strings{"p3", "p4", "p5"}));
  EXPECT_EQ(ids(r.css("p:not(:not(#p2))")), (strings{"p2"}));
  EXPECT_EQ(ids(r.css("a:not(#a1, #a3)")), strings{});
}

TEST(CssRoot, IsTheDocumentElement) {
  auto r = page(shop);
  EXPECT_EQ(ids(r.css(":root")), (strings{"html"}));
  EXPECT_EQ(ids(r.css("html:root")), (strings{"html"}));
  EXPECT_EQ(ids(r.css("body:root")), strings{});
  EXPECT_EQ(ids(r.css(":root > body")), (strings{"body"}));
  EXPECT_EQ(ids(r.css("#d1").css(":root")), strings{});  // not inside the scope
  EXPECT_EQ(ids(r.css("#d1").css(":is(:root *)")), (strings{"d1", "a1", "p1"}));
}

TEST(CssScope, IsWhereTheQueryStarts) {
  auto r = page(shop);
  EXPECT_EQ(ids(r.css(":scope")), (strings{"html"}));  // at document level, the root element
  EXPECT_EQ(ids(r.css(":scope > body")), (strings{"body"}));
  EXPECT_EQ(ids(r.css(":scope > div")), strings{});
  const auto d3 = r.css("#d3");
  EXPECT_EQ(ids(d3.css(":scope > *")), (strings{"p3", "a3"}));
  EXPECT_EQ(ids(d3.css(":scope > p > b")), (strings{"b3"}));
  EXPECT_EQ(ids(d3.css(":scope")), (strings{"d3"}));
  EXPECT_EQ(d3.css(":scope > a::attr(href)").getall(), (strings{"/3"}));
  EXPECT_EQ(ids(d3.css("p :scope")), strings{});
  EXPECT_EQ(ids(r.css("div").css(":scope > p")), (strings{"p1", "p2", "p3"}));
  EXPECT_EQ(ids(d3.css(":has(> :scope)")), strings{});  // its parent is outside the scope
  EXPECT_EQ(ids(r.css("#sec").css("p:is(:scope > *)")), (strings{"p4", "p5"}));
}

TEST(CssChecked, CheckboxesRadiosAndOptions) {
  auto r = page(R"(<form>
    <input id=c1 type=checkbox checked><input id=c2 type=checkbox>
    <input id=r1 type=RADIO checked=""><input id=t1 type=text checked>
    <input id=n1 checked>
    <select><option id=o1>a</option><option id=o2 selected>b</option></select>
    <div id=x1 checked selected></div></form>)");
  EXPECT_EQ(ids(r.css(":checked")), (strings{"c1", "r1", "o2"}));
  EXPECT_EQ(ids(r.css("input:not(:checked)")), (strings{"c2", "t1", "n1"}));
  EXPECT_EQ(ids(r.css("option:checked")), (strings{"o2"}));
}

TEST(CssLang, NearestLangAttributeWithPrefixMatching) {
  auto r = page(R"(<html lang=en-GB><body>
    <p id=p1>inherits en-GB</p>
    <div lang=EN-us><p id=p2>en-US</p></div>
    <div lang=fr><p id=p3>fr</p><p id=p4 lang=eng>eng</p></div>
    <div lang=""><p id=p5>unknown</p></div></body></html>)");
  EXPECT_EQ(ids(r.css("p:lang(en)")), (strings{"p1", "p2"}));
  EXPECT_EQ(ids(r.css("p:lang('en-us')")), (strings{"p2"}));
  EXPECT_EQ(ids(r.css("p:lang(EN-gb)")), (strings{"p1"}));
  EXPECT_EQ(ids(r.css("p:lang(e)")), strings{});  // whole subtags only
  EXPECT_EQ(ids(r.css("p:lang(eng)")), (strings{"p4"}));
  EXPECT_EQ(ids(r.css("p:lang(fr)")), (strings{"p3"}));
  EXPECT_EQ(ids(r.css("p:lang(fr, \"en-us\")")), (strings{"p2", "p3"}));
  EXPECT_EQ(ids(r.css("p:not(:lang(en))")), (strings{"p3", "p4", "p5"}));
  EXPECT_EQ(ids(page("<p id=q>no lang</p>").css("p:lang(en)")), strings{});
}

TEST(CssContains, TextContentContainsTheStringCaseSensitively) {
  auto r = page(shop);
  EXPECT_EQ(ids(r.css("p:contains('third')")), (strings{"p3"}));
  EXPECT_EQ(ids(r.css("p:contains(\"third bold\")")), (strings{"p3"}));  // across elements
  EXPECT_EQ(ids(r.css("p:contains(Third)")), strings{});
  EXPECT_EQ(ids(r.css("div:contains(Three)")), (strings{"d3"}));
  EXPECT_EQ(ids(r.css(":contains(bold)")), (strings{"html", "body", "d3", "p3", "b3"}));
  EXPECT_EQ(ids(r.css("a:contains('')")), (strings{"a1", "a3"}));
  EXPECT_EQ(ids(r.css("a:CONTAINS(One)")), (strings{"a1"}));
  EXPECT_EQ(r.css("div:contains(link) span::text").getall(), (strings{"no link"}));
}

TEST(CssPseudoClasses, MalformedArgumentsThrowWithAPosition) {
  auto r = page(shop);
  for (const char* query :
       {":has()", ":has(a", ":has(a,)", ":has(>)", ":has(::text)", ":has(:has(a))", ":is(a", ":is(a, (b)",
        ":where(\"x)", ":not(a,)", ":lang()", ":lang(1)", ":lang(en", ":contains()", ":contains(a b)",
        ":contains('a'", ":contains(", ":scope(", ":root(x)", ":checked(x)", ":has(a)::text b",
        ":is(a)::attr(", ":unknown(a)", "a:is(b)c"}) {
    EXPECT_THROW(r.css(query), selector_error) << "query: '" << query << "'";
  }
  try {
    r.css("div:has(> p, )");
    FAIL();
  } catch (const selector_error& e) {
    EXPECT_NE(std::string(e.what()).find("position 13"), std::string::npos) << e.what();
  }
}

TEST(CssPseudoClasses, DeepNestingIsRefusedNotACrash) {
  auto r = page(shop);
  std::string query;
  for (int i = 0; i < 5000; ++i) query += ":not(";
  EXPECT_THROW(r.css(query), selector_error);
  std::string forgiving;
  for (int i = 0; i < 5000; ++i) forgiving += ":is(";
  forgiving += "a";
  for (int i = 0; i < 5000; ++i) forgiving += ")";
  EXPECT_EQ(r.css(forgiving).size(), 0u);  // the too-deep argument is dropped, as any invalid one
  std::string fine = "a";
  for (int i = 0; i < 20; ++i) fine = ":is(" + fine + ")";
  EXPECT_EQ(ids(r.css(fine)), (strings{"a1", "a3"}));
}

TEST(CssPreprocessing, NewlinesNulAndInvalidUtf8) {
  auto r = page(R"(<div id=x class="a b"><p id="p&#xFFFD;">1</p><p id="q">2</p></div>)");
  // CR, FF and CRLF are newlines, so whitespace between compounds.
  EXPECT_EQ(ids(r.css("div\r\n>\rp.x, div\f>\fp")), (strings{"p\xEF\xBF\xBD", "q"}));
  // NUL becomes U+FFFD wherever it appears.
  EXPECT_EQ(ids(r.css(std::string("#p\0", 3))), (strings{"p\xEF\xBF\xBD"}));
  EXPECT_EQ(ids(r.css(std::string("[id=\"p\0\"]", 9))), (strings{"p\xEF\xBF\xBD"}));
  // A lone UTF-8 lead byte and an encoded surrogate decode to U+FFFD.
  EXPECT_EQ(ids(r.css("#p\xC3")), (strings{"p\xEF\xBF\xBD"}));
  EXPECT_EQ(ids(r.css("[id='p\xED\xA0\x80']")), strings{});  // three bytes, three U+FFFD
  EXPECT_EQ(ids(r.css("[id^='p\xED']")), (strings{"p\xEF\xBF\xBD"}));
  // An escaped CRLF inside a string continues the string, as an escaped LF does.
  EXPECT_EQ(ids(r.css("[id='q\\\r\n']")), (strings{"q"}));
  // An error message shows the preprocessed text, valid UTF-8.
  try {
    r.css(std::string("a\0..b", 5));
    FAIL();
  } catch (const selector_error& e) {
    EXPECT_NE(std::string(e.what()).find("a\xEF\xBF\xBD..b"), std::string::npos) << e.what();
  }
}

TEST(CssPreprocessing, EscapesOfNulSurrogatesAndOutOfRangeBecomeReplacement) {
  auto r = page(R"(<p id="&#xFFFD;">r</p><p id="A">a</p><p id="x&#x10FFFF;">m</p>)");
  EXPECT_EQ(r.css("#\\0 ::text").getall(), (strings{"r"}));
  EXPECT_EQ(r.css("#\\D800::text").getall(), (strings{"r"}));
  EXPECT_EQ(r.css("#\\110000::text").getall(), (strings{"r"}));
  EXPECT_EQ(r.css("#\\FFFFFFF::text").getall(), strings{});  // six digits, then 'F' is itself
  EXPECT_EQ(r.css("#\\41::text").getall(), (strings{"a"}));
  EXPECT_EQ(r.css("#x\\10FFFF::text").getall(), (strings{"m"}));
  // A backslash at the end of the input is an escape for U+FFFD (§4.3.7: EOF).
  EXPECT_EQ(r.css("#\\").size(), 1u);
  // In a string it is dropped, and the string is still unterminated.
  EXPECT_THROW(r.css("[id='\\"), selector_error);
}

TEST(CssPseudoClasses, LongDescendantChainsInsideIsStayFastOnDeepPages) {
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "<div>";
  deep += "<a id=leaf>x</a>";
  // "p" never matches: without care, every placement of the twelve "div" steps on the 300
  // ancestors would be tried before giving up.
  std::string steps;
  for (int i = 0; i < 12; ++i) steps += "div ";
  auto r = page(deep);
  EXPECT_EQ(r.css("a:is(p " + steps + "a)").size(), 0u);
  EXPECT_EQ(r.css("div:has(p " + steps + "a)").size(), 0u);
  EXPECT_EQ(r.css("a:not(p " + steps + "a)").size(), 1u);
  EXPECT_EQ(r.css("a:is(div div div div div div div div div div div div a)").size(), 1u);
  EXPECT_EQ(r.css("div:has(div div div div div div div div div div a)").size(), 290u);
}

