#include "html/nesting.hpp"

#include <orbweaver/response.hpp>

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

using namespace orbweaver;

namespace {

response page(std::string body) {
  return response(request("http://example.com/"), "http://example.com/", 200,
                  {{"Content-Type", "text/html; charset=utf-8"}}, std::move(body));
}

using strings = std::vector<std::string>;

}  // namespace

TEST(Selector, TypeClassIdAndUniversal) {
  auto r = page(R"(<div id="main" class="box wide"><p class="a">1</p><p class="b a">2</p><span>3</span></div>)");
  EXPECT_EQ(r.css("p").size(), 2u);
  EXPECT_EQ(r.css("p.a::text").getall(), (strings{"1", "2"}));
  EXPECT_EQ(r.css("p.a.b::text").getall(), (strings{"2"}));
  EXPECT_EQ(r.css("#main > *").size(), 3u);
  EXPECT_EQ(r.css("div#main.wide").size(), 1u);
  EXPECT_EQ(r.css("#other").size(), 0u);
  EXPECT_EQ(r.css(".box").size(), 1u);
  EXPECT_EQ(r.css(".bo").size(), 0u);  // classes are whole tokens
}

TEST(Selector, TagAndAttributeNamesIgnoreCaseButClassesDoNot) {
  auto r = page(R"(<DIV Class="Box"><P DATA-X="1">t</P></DIV>)");
  EXPECT_EQ(r.css("div").size(), 1u);
  EXPECT_EQ(r.css("DIV[CLASS]").size(), 1u);
  EXPECT_EQ(r.css("p[data-x='1']").size(), 1u);
  EXPECT_EQ(r.css(".Box").size(), 1u);
  EXPECT_EQ(r.css(".box").size(), 0u);
}

TEST(Selector, EveryAttributeOperator) {
  auto r = page(R"(
    <a id="1" href="https://example.com/a.pdf" lang="en-US" rel="nofollow noopener" title="Hello World">1</a>
    <a id="2" href="/b.html" lang="en" rel="" title="hello">2</a>
    <a id="3" lang="fr">3</a>)");
  auto ids = [&](const char* query) { return r.css(query).css("::attr(id)").getall(); };
  EXPECT_EQ(ids("a[href]"), (strings{"1", "2"}));
  EXPECT_EQ(ids("a[title=hello]"), (strings{"2"}));
  EXPECT_EQ(ids("a[title='Hello World']"), (strings{"1"}));
  EXPECT_EQ(ids("a[title=\"HELLO\" i]"), (strings{"2"}));
  EXPECT_EQ(ids("a[rel~=noopener]"), (strings{"1"}));
  EXPECT_EQ(ids("a[rel~='']"), strings{});
  EXPECT_EQ(ids("a[title~='Hello World']"), strings{});  // a token never holds whitespace
  EXPECT_EQ(ids("a[lang|=en]"), (strings{"1", "2"}));
  EXPECT_EQ(ids("a[lang|=e]"), strings{});
  EXPECT_EQ(ids("a[href^='https:']"), (strings{"1"}));
  EXPECT_EQ(ids("a[href^='']"), strings{});
  EXPECT_EQ(ids("a[href$='.pdf']"), (strings{"1"}));
  EXPECT_EQ(ids("a[href$='.PDF' i]"), (strings{"1"}));
  EXPECT_EQ(ids("a[href$='.PDF']"), strings{});
  EXPECT_EQ(ids("a[href*=example]"), (strings{"1"}));
  EXPECT_EQ(ids("a[href*='']"), strings{});
  EXPECT_EQ(ids("a[id=3]"), (strings{"3"}));  // unquoted numbers are accepted
}

TEST(Selector, Combinators) {
  auto r = page(R"(<div class="x"><h2>t</h2><p>1</p><p>2</p><span>s</span><section><p>3</p></section></div>)");
  EXPECT_EQ(r.css("div p::text").getall(), (strings{"1", "2", "3"}));
  EXPECT_EQ(r.css("div > p::text").getall(), (strings{"1", "2"}));
  EXPECT_EQ(r.css("h2 + p::text").getall(), (strings{"1"}));
  EXPECT_EQ(r.css("h2 ~ p::text").getall(), (strings{"1", "2"}));
  EXPECT_EQ(r.css("p + p::text").getall(), (strings{"2"}));
  EXPECT_EQ(r.css("h2 ~ span").size(), 1u);
  EXPECT_EQ(r.css("span ~ h2").size(), 0u);
  EXPECT_EQ(r.css("div.x > section > p::text").getall(), (strings{"3"}));
  EXPECT_EQ(r.css("h2+p~span").size(), 1u);
}

TEST(Selector, CombinatorsLookPastTheNearestCandidate) {
  // The nearest <li> above the span sits in an <ol>; only the outer one is a child of <ul>.
  auto r = page(R"(<ul><li><ol><li><span>deep</span></li></ol></li></ul>)");
  EXPECT_EQ(r.css("ul > li span::text").getall(), (strings{"deep"}));
  EXPECT_EQ(r.css("ol > li span::text").getall(), (strings{"deep"}));
  EXPECT_EQ(r.css("ul > li > span").size(), 0u);
  // The adjacent sibling must be the element just before, not any earlier one.
  auto s = page(R"(<h1>a</h1><p>b</p><div>c</div><h1>d</h1><div>e</div>)");
  EXPECT_EQ(s.css("h1 + div::text").getall(), (strings{"e"}));
  EXPECT_EQ(s.css("h1 ~ div::text").getall(), (strings{"c", "e"}));
}

TEST(Selector, SelectorListsKeepDocumentOrderWithoutDuplicates) {
  auto r = page(R"(<h1 class="t">A</h1><h2>B</h2><h1>C</h1>)");
  EXPECT_EQ(r.css("h2, h1").css("::text").getall(), (strings{"A", "B", "C"}));
  EXPECT_EQ(r.css("h1, .t, h1.t").size(), 2u);
  EXPECT_EQ(r.css("h2::text, h1::text").getall(), (strings{"A", "B", "C"}));
  EXPECT_EQ(r.css("h1::text, h1.t::text").getall(), (strings{"A", "C"}));
}

TEST(Selector, NthChildForms) {
  std::string html = "<ul>";
  for (int i = 1; i <= 7; ++i) html += "<li>" + std::to_string(i) + "</li>";
  html += "</ul>";
  auto r = page(html);
  auto items = [&](const std::string& pseudo) { return r.css("li" + pseudo + "::text").getall(); };
  EXPECT_EQ(items(":first-child"), (strings{"1"}));
  EXPECT_EQ(items(":last-child"), (strings{"7"}));
  EXPECT_EQ(items(":nth-child(3)"), (strings{"3"}));
  EXPECT_EQ(items(":nth-child(odd)"), (strings{"1", "3", "5", "7"}));
  EXPECT_EQ(items(":nth-child(EVEN)"), (strings{"2", "4", "6"}));
  EXPECT_EQ(items(":nth-child(2n+1)"), (strings{"1", "3", "5", "7"}));
  EXPECT_EQ(items(":nth-child( 3n - 1 )"), (strings{"2", "5"}));
  EXPECT_EQ(items(":nth-child(-n+2)"), (strings{"1", "2"}));
  EXPECT_EQ(items(":nth-child(n+6)"), (strings{"6", "7"}));
  EXPECT_EQ(items(":nth-child(+5)"), (strings{"5"}));
  EXPECT_EQ(items(":nth-child(0n+0)"), strings{});
  EXPECT_EQ(items(":nth-child(n)").size(), 7u);
  EXPECT_EQ(items(":nth-last-child(2)"), (strings{"6"}));
  EXPECT_EQ(items(":nth-last-child(-n+3)"), (strings{"5", "6", "7"}));
}

TEST(Selector, TypedAndStructuralPseudoClasses) {
  auto r = page(R"(<div><h2>h</h2><p>1</p><span>s</span><p>2</p><p></p><b><!-- only a comment --></b><i> </i></div>
                   <section><em>only</em></section>)");
  EXPECT_EQ(r.css("p:first-child").size(), 0u);
  EXPECT_EQ(r.css("p:first-of-type::text").getall(), (strings{"1"}));
  EXPECT_EQ(r.css("p:nth-of-type(2)::text").getall(), (strings{"2"}));
  EXPECT_EQ(r.css("p:last-of-type").size(), 1u);
  EXPECT_EQ(r.css("p:nth-last-of-type(3)::text").getall(), (strings{"1"}));
  EXPECT_EQ(r.css("span:only-of-type").size(), 1u);
  EXPECT_EQ(r.css("p:only-of-type").size(), 0u);
  EXPECT_EQ(r.css("em:only-child").size(), 1u);
  EXPECT_EQ(r.css("div > :empty").size(), 2u);  // <p></p> and the comment-only <b>, not <i> </i>
}

TEST(Selector, Negation) {
  auto r = page(R"(<p class="a">1</p><p class="b">2</p><p>3</p><div class="a">4</div>)");
  EXPECT_EQ(r.css("p:not(.a)::text").getall(), (strings{"2", "3"}));
  EXPECT_EQ(r.css("p:not(.a, .b)::text").getall(), (strings{"3"}));
  EXPECT_EQ(r.css(".a:not(p)::text").getall(), (strings{"4"}));
  EXPECT_EQ(r.css("p:not([class])::text").getall(), (strings{"3"}));
  EXPECT_EQ(r.css("p:not(:first-child)::text").getall(), (strings{"2", "3"}));
  EXPECT_EQ(r.css("body > :not(p.a):not(div)::text").getall(), (strings{"2", "3"}));
}

TEST(Selector, TextPseudoElementVersusText) {
  auto r = page(R"(<p>Hello <b>big</b> world</p>)");
  EXPECT_EQ(r.css("p::text").getall(), (strings{"Hello ", " world"}));
  // As in parsel: " ::text" is every text inside, the element's own included; "> ::text" is
  // the text of child elements.
  EXPECT_EQ(r.css("p ::text").getall(), (strings{"Hello ", "big", " world"}));
  EXPECT_EQ(r.css("p *::text").getall(), (strings{"Hello ", "big", " world"}));
  EXPECT_EQ(r.css("p > ::text").getall(), (strings{"big"}));
  EXPECT_EQ(r.css("p :first-child::text").getall(), (strings{"big"}));
  EXPECT_EQ(r.css("p").front().text(), "Hello big world");
  EXPECT_EQ(r.css("p").css("::text").getall(), (strings{"Hello ", "big", " world"}));
  EXPECT_EQ(r.css("p::text").front().type(), selector::kind::text);
  EXPECT_EQ(r.css("p::text").front().text(), "Hello ");
  EXPECT_EQ(r.css("b::text").get(), "big");
}

TEST(Selector, TextNodesInterleaveWithElementsInDocumentOrder) {
  auto r = page(R"(<p>x<b>y</b>z</p>)");
  EXPECT_EQ(r.css("p::text, b").getall(), (strings{"x", "<b>y</b>", "z"}));
}

TEST(Selector, AttributePseudoElement) {
  auto r = page(R"(<a href="/one" data-Stars="4">1</a><a>2</a><a href="">3</a>)");
  EXPECT_EQ(r.css("a::attr(href)").getall(), (strings{"/one", ""}));
  EXPECT_EQ(r.css("a::attr(data-stars)").getall(), (strings{"4"}));
  EXPECT_EQ(r.css("a::attr(title)").size(), 0u);
  EXPECT_EQ(r.css("a::attr(title)").get("none"), "none");
  EXPECT_EQ(r.css("a::attr(href)").front().type(), selector::kind::attribute);
  auto nested = page(R"(<div href="0"><p href="1"><b href="2"></b></p></div>)");
  EXPECT_EQ(nested.css("div ::attr(href)").getall(), (strings{"0", "1", "2"}));  // parsel: self included
  EXPECT_EQ(nested.css("div > ::attr(href)").getall(), (strings{"1"}));
  EXPECT_EQ(nested.css("div .x::attr(href)").getall(), strings{});
  EXPECT_EQ(r.css("a").attrib("HREF"), "/one");
  EXPECT_EQ(r.css("a")[1].attrib("href"), std::nullopt);
  EXPECT_EQ(r.css("a::attr(href)").attrib("href"), std::nullopt);  // not an element
  EXPECT_EQ(r.css("p").attrib("href"), std::nullopt);
}

TEST(Selector, ChainedQueriesIncludeTheElementItselfAndStayInside) {
  auto r = page(R"(<article class="product" data-id="7"><h1 class="title">T</h1><ul><li>a</li><li>b</li></ul></article>
                   <article class="product" data-id="8"><h1 class="title">U</h1></article><h1 class="title">outside</h1>)");
  auto products = r.css("article.product");
  ASSERT_EQ(products.size(), 2u);
  EXPECT_EQ(products.css("h1.title::text").getall(), (strings{"T", "U"}));
  EXPECT_EQ(products.front().css("h1::text").getall(), (strings{"T"}));
  EXPECT_EQ(products.front().css("article").size(), 1u);  // descendant-or-self, as in parsel
  EXPECT_EQ(products.front().css("article h1").size(), 1u);
  auto item = r.css("li").front();
  EXPECT_EQ(item.css("li").size(), 1u);
  EXPECT_EQ(item.css("ul li").size(), 0u);  // the <ul> is outside this element
  EXPECT_EQ(item.css("li li").size(), 0u);
  // Sibling combinators may step out of it, as in parsel: the first step starts inside.
  EXPECT_EQ(item.css("li + li::text").getall(), (strings{"b"}));
  EXPECT_EQ(item.css("li ~ *").size(), 1u);
  EXPECT_EQ(r.css("li")[1].css("li + li").size(), 0u);
  EXPECT_EQ(products.front().css("article + article h1::text").getall(), (strings{"U"}));
  EXPECT_EQ(products.front().css("article ~ h1::text").getall(), (strings{"outside"}));
  EXPECT_EQ(products.front().css("h1 ~ h1").size(), 0u);  // the first step must be inside
  EXPECT_EQ(r.css("h1::text").css("b").size(), 0u);  // text has no elements
}

TEST(Selector, OuterHtmlEscapesAsBrowsersDo) {
  auto r = page(
      "<p title='a\"b&amp;c&lt;' class=plain>x &lt; y &amp; z&nbsp;&gt;</p>"
      "<div>line<br>break<img src=/i.png alt=\"\"><input disabled></div>"
      "<script>if (a < b && c) x = \"&amp;\";</script>"
      "<My-Widget Data-A=1>w</My-Widget>"
      "<svg viewBox=\"0 0 1 1\"><clipPath id=c></clipPath><a xlink:href=\"#c\">l</a></svg>"
      "<ul><li>one<li>two</ul><!-- note -->");
  EXPECT_EQ(r.css("p").get(), "<p title=\"a&quot;b&amp;c&lt;\" class=\"plain\">x &lt; y &amp; z&nbsp;&gt;</p>");
  EXPECT_EQ(r.css("div").get(), "<div>line<br>break<img src=\"/i.png\" alt=\"\"><input disabled=\"\"></div>");
  EXPECT_EQ(r.css("script").get(), "<script>if (a < b && c) x = \"&amp;\";</script>");
  EXPECT_EQ(r.css("my-widget").get(), "<my-widget data-a=\"1\">w</my-widget>");
  EXPECT_EQ(r.css("svg").get(),
            "<svg viewBox=\"0 0 1 1\"><clipPath id=\"c\"></clipPath><a xlink:href=\"#c\">l</a></svg>");
  EXPECT_EQ(r.css("ul").get(), "<ul><li>one</li><li>two</li></ul>");
  EXPECT_TRUE(r.css("body").get().ends_with("</ul><!-- note --></body>")) << r.css("body").get();
}

TEST(Selector, TagNames) {
  auto r = page(R"(<DIV></DIV><My-Widget></My-Widget><svg><clipPath></clipPath></svg>)");
  EXPECT_EQ(r.css("div").front().tag(), "div");
  EXPECT_EQ(r.css("my-widget").front().tag(), "my-widget");
  EXPECT_EQ(r.css("MY-WIDGET").size(), 1u);
  EXPECT_EQ(r.css("clippath").size(), 1u);
  EXPECT_EQ(r.css("div::attr(x), div::text").size(), 0u);
  auto text = page("<p>t</p>").css("p::text");
  EXPECT_EQ(text.front().tag(), "");
}

TEST(Selector, BrokenHtmlParsesAsBrowsersDo) {
  auto r = page(R"(<ul><li>one<li>two</ul><p>para<p>para2<table><td>cell</table><div><span>open)");
  EXPECT_EQ(r.css("ul > li::text").getall(), (strings{"one", "two"}));
  EXPECT_EQ(r.css("p").size(), 2u);
  EXPECT_EQ(r.css("table > tbody > tr > td::text").get(), "cell");
  EXPECT_EQ(r.css("div span::text").get(), "open");
  EXPECT_EQ(r.css("html").size(), 1u);
  EXPECT_EQ(r.css("head").size(), 1u);
}

TEST(Selector, EntitiesAndUnquotedAttributes) {
  auto r = page("<p data-v=a&amp;b title=caf&eacute;>Fish &amp; Chips &eacute;t&eacute; &#x27;q&#39; &copy</p>");
  EXPECT_EQ(r.css("p::text").get(), "Fish & Chips \xC3\xA9t\xC3\xA9 'q' \xC2\xA9");
  EXPECT_EQ(r.css("p").attrib("data-v"), "a&b");
  EXPECT_EQ(r.css("p").attrib("title"), "caf\xC3\xA9");
  EXPECT_EQ(r.css("p[data-v='a&b']").size(), 1u);
}

TEST(Selector, NonAsciiTextAndSelectors) {
  auto r = page("<h1 class=\"\xC3\xA9t\xC3\xA9\">\xE5\x8C\x97\xE4\xBA\xAC \xC3\x85ngstr\xC3\xB6m \xF0\x9F\x98\x80</h1>");
  EXPECT_EQ(r.css("h1::text").get(), "\xE5\x8C\x97\xE4\xBA\xAC \xC3\x85ngstr\xC3\xB6m \xF0\x9F\x98\x80");
  EXPECT_EQ(r.css(".\xC3\xA9t\xC3\xA9").size(), 1u);
  EXPECT_EQ(r.css("[class='\xC3\xA9t\xC3\xA9']").size(), 1u);
}

TEST(Selector, EscapesInSelectors) {
  auto r = page(R"(<p id="123">a</p><p class="a:b">b</p><p class="x y">c</p>)");
  EXPECT_EQ(r.css("#\\31 23::text").get(), "a");
  EXPECT_EQ(r.css(".a\\:b::text").get(), "b");
  EXPECT_EQ(r.css("[class='x\\ y']::text").get(), "c");
  EXPECT_EQ(r.css("[class=\"x\\\ny\"]").size(), 0u);  // an escaped newline vanishes: "xy"
}

TEST(Selector, CommentsAndScriptsAreNotElements) {
  auto r = page(R"(<!-- <p>not</p> --><script>var s = "<p>no</p>";</script><p>yes</p>)");
  EXPECT_EQ(r.css("p::text").getall(), (strings{"yes"}));
  EXPECT_EQ(r.css("script::text").get(), "var s = \"<p>no</p>\";");
}

TEST(Selector, InvalidSelectorsThrow) {
  auto r = page("<p>x</p>");
  for (const char* query :
       {"", " ", "h1..x", "a[", "a[href=]", "a[href", "a[href='x]", "a:hover", "p::before", "a >", "a > > b",
        ", a", "a,", "a::text b", "a::text.x", ":nth-child(foo)", ":nth-child(2n+)", ":nth-child(3",
        ":not(::text)", ":not()", "svg|a", "a::attr()", "a::attr(x", "#", ".",
        "a)", "a{", "p:nth-child(99999999999)", "*|*"}) {
    EXPECT_THROW(r.css(query), selector_error) << "query: '" << query << "'";
  }
  try {
    r.css("div..x");
    FAIL();
  } catch (const selector_error& e) {
    EXPECT_NE(std::string(e.what()).find("'div..x'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("position 4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("class name"), std::string::npos) << e.what();
  }
  EXPECT_THROW(selector_list{}.css("a["), selector_error);
  EXPECT_THROW(r.css("p::text").front().css("::"), selector_error);
}

TEST(Selector, TooManyCombinatorsThrow) {
  auto r = page("<p>x</p>");
  std::string query = "p";  // 66 compounds: 65 have a combinator to their right
  for (int i = 0; i < 65; ++i) query += " p";
  EXPECT_THROW(r.css(query), selector_error);
  query.resize(query.size() - 2);
  EXPECT_NO_THROW(r.css(query));
}

TEST(Selector, RegularExpressions) {
  auto r = page(R"(<span class="price">EUR 522.75</span><span class="price">EUR 3.10</span>)");
  auto prices = r.css("span.price::text");
  EXPECT_EQ(prices.re(R"((\d+)\.(\d+))"), (strings{"522", "3"}));
  EXPECT_EQ(prices.re(R"(\d+\.\d+)"), (strings{"522.75", "3.10"}));
  EXPECT_EQ(prices.re_first(R"(\d+\.(\d+))"), "75");
  EXPECT_EQ(prices.re_first("GBP"), std::nullopt);
  EXPECT_EQ(r.css("span").front().re(R"re(class="(\w+)")re"), (strings{"price"}));  // over the outer HTML
  EXPECT_THROW(prices.re("(unclosed"), selector_error);
}

TEST(Selector, ListAccessors) {
  auto r = page(R"(<i>a</i><i>b</i>)");
  EXPECT_EQ(r.css("i::text").get(), "a");
  EXPECT_EQ(r.css("b::text").get(), "");
  EXPECT_EQ(r.css("b::text").get("dflt"), "dflt");
  EXPECT_EQ(r.css("i::text").first(), "a");
  EXPECT_EQ(r.css("b::text").first(), std::nullopt);
  EXPECT_EQ(r.css("i").getall(), (strings{"<i>a</i>", "<i>b</i>"}));
}

// Nesting is capped before parsing (html/nesting.hpp): the spans beyond the cap stay, closed at
// once, as siblings at the deepest level allowed.
TEST(Selector, HundredThousandLevelsOfNesting) {
  constexpr int depth = 100'000;
  constexpr auto kept = static_cast<int>(orbweaver::html::max_nesting_depth);
  std::string html;
  html.reserve(depth * 13 + 16);
  for (int i = 0; i < depth; ++i) html += "<span>";
  html += "x";
  for (int i = 0; i < depth; ++i) html += "</span>";
  auto r = page(std::move(html));
  auto spans = r.css("span");
  ASSERT_EQ(spans.size(), static_cast<std::size_t>(depth));
  EXPECT_EQ(r.css("span span span").size(), static_cast<std::size_t>(depth - 2));
  EXPECT_EQ(r.css("body > span > span").size(), 1u);
  EXPECT_EQ(r.css("span:empty").size(), static_cast<std::size_t>(depth - kept));
  EXPECT_EQ(r.css("span::text").getall(), (strings{"x"}));
  EXPECT_EQ(spans.front().text(), "x");
  EXPECT_EQ(spans.back().get(), "<span></span>");
}

TEST(Selector, DeeplyNestedBrokenMarkupDoesNotCrash) {
  std::string html;
  for (int i = 0; i < 20'000; ++i) html += "<div><b><table><td><a href=x>";
  auto r = page(std::move(html));
  EXPECT_FALSE(r.css("a").empty());
  EXPECT_FALSE(r.css("body").get().empty());
}

TEST(Selector, ConcurrentQueriesOnSharedCacheAgree) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 200; ++i) {
        auto r = page("<ul class=tags><li>a</li><li>b</li></ul><p data-n=" + std::to_string(i) + ">");
        if (r.css("ul.tags li::text").getall() != strings{"a", "b"}) ++failures[t];
        if (r.css("p::attr(data-n)").get() != std::to_string(i)) ++failures[t];
        if (r.css("p[data-n='" + std::to_string(i % 7) + "']").size() != (i < 7 ? 1u : 0u)) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, (std::vector<int>{0, 0, 0, 0}));
}

TEST(Selector, OutlivesItsResponse) {
  selector_list kept;
  {
    auto r = page("<p><My-Tag>kept</My-Tag></p>");
    kept = r.css("my-tag");
  }
  EXPECT_EQ(kept.get(), "<my-tag>kept</my-tag>");
  EXPECT_EQ(kept.front().tag(), "my-tag");
}
