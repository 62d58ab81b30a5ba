// Text from HTML as the standard's tree construction makes it: always valid UTF-8 (U+FFFD where
// a character reference names no character), adjacent text joined into one node.
#include "html/charset.hpp"
#include "html/document.hpp"
#include "html/dom.hpp"

#include <orbweaver/response.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

using namespace orbweaver;

namespace {

response page(std::string body) {
  return response(request("http://example.com/"), "http://example.com/", 200,
                  {{"Content-Type", "text/html; charset=utf-8"}}, std::move(body));
}

using strings = std::vector<std::string>;

const std::string replacement = "\xEF\xBF\xBD";

}  // namespace

TEST(HtmlText, OverflowingCharacterReferenceIsReplacementCharacter) {
  // gumbo 0.10.1 alone gives a lone 0xC7 byte for the first and "A" for the second (its int wraps).
  EXPECT_EQ(page("<p>FOO&#11111111111</p>").css("p::text").get(), "FOO" + replacement);
  EXPECT_EQ(page("<p>&#4294967361;</p>").css("p::text").get(), replacement);
  EXPECT_EQ(page("<p>&#x100000041;x</p>").css("p::text").get(), replacement + "x");
  EXPECT_EQ(page("<p>&#00000000000000065;</p>").css("p::text").get(), "A");  // leading zeros are no overflow
  EXPECT_EQ(page("<p title='a&#99999999999;b'>t</p>").css("p::attr(title)").get(), "a" + replacement + "b");
  EXPECT_EQ(page("<p title=&#99999999999;b>t</p>").css("p::attr(title)").get(), replacement + "b");
  EXPECT_EQ(page("<p a=1 title=&#99999999999>t</p>").css("p::attr(title)").get(), replacement);
  // 0xFFFFFFFF wraps to -1, gumbo's end of input: alone it loses the rest of the page.
  EXPECT_EQ(page("<p title='&#xFFFFFFFF'>t&#11111111111</p>").css("p::text").get(), "t" + replacement);
  // The end of the page inside a tag drops the tag: none of its references is text.
  EXPECT_EQ(page("<p>a</p><z e=\"&#xFFFFFFFF\"t=\">&#11111111111").css("body").get(), "<body><p>a</p></body>");
}

TEST(HtmlText, OtherInvalidReferencesFollowTheStandard) {
  EXPECT_EQ(page("<p>&#0;&#xD800;&#x110000;</p>").css("p::text").get(), replacement + replacement + replacement);
  EXPECT_EQ(page("<p>&#x80;&#x9F;</p>").css("p::text").get(), "\xE2\x82\xAC\xC5\xB8");  // the C1 table: € Ÿ
}

TEST(HtmlText, OverflowingReferenceInRawTextStaysAsWritten) {
  // Where references are not decoded (script, comments, tag names) the page's own bytes remain.
  auto r = page("<script>x='&#11111111111;'</script><!--&#11111111111--><p>&#11111111111;</p>");
  EXPECT_EQ(r.css("script::text").get(), "x='&#11111111111;'");
  EXPECT_EQ(r.css("p::text").get(), replacement);
  EXPECT_NE(r.css("html").get().find("<!--&#11111111111-->"), std::string::npos);
}

TEST(HtmlText, AllExtractedTextIsValidUtf8) {
  auto r = page("<div a='&#11111111111;&#x7FFFFFFFFF'>&#4294967295;<b>&#18446744073709551617;</b>&#x;</div>");
  for (const auto& text : r.css("*::text").getall()) EXPECT_TRUE(html::is_valid_utf8(text)) << text;
  for (const auto& value : r.css("*::attr(a)").getall()) EXPECT_TRUE(html::is_valid_utf8(value)) << value;
  EXPECT_TRUE(html::is_valid_utf8(r.css("html").get()));
}

TEST(HtmlText, FosterParentedTextIsJoined) {
  // Gumbo inserts text fostered out of a table as nodes of their own, beside the text before it.
  auto r = page("x<table>x");
  EXPECT_EQ(r.css("body::text").getall(), (strings{"xx"}));
  EXPECT_EQ(page("<table>a<tr>b</tr>c</table>").css("body::text").getall(), (strings{"abc"}));
  EXPECT_EQ(page("A<table><tr> B</tr> B</table>").css("body::text").getall(), (strings{"A B B"}));
  EXPECT_EQ(page("<div>a<table>b<td>c</td></table></div>").css("div::text").getall(), (strings{"ab"}));
  EXPECT_EQ(page("<svg><![CDATA[a]]>b</svg>").css("svg::text").getall(), (strings{"ab"}));
}

TEST(HtmlText, CommentsAndElementsStillSeparateText) {
  EXPECT_EQ(page("<p>a <!-- c --> b</p>").css("p::text").getall(), (strings{"a ", " b"}));
  EXPECT_EQ(page("<p>a<b>b</b>c</p>").css("p::text").getall(), (strings{"a", "c"}));
  EXPECT_EQ(page("a<table><!--c--></table>b").css("body::text").getall(), (strings{"a", "b"}));
}

TEST(HtmlText, JoinedTextKeepsTreeNavigationWorking) {
  auto r = page("a<table> <tr><td>1</td><td>2</td></tr></table>b<p>c</p>");
  EXPECT_EQ(r.css("td:nth-child(2)::text").get(), "2");
  EXPECT_EQ(r.css("table + p").size(), 1u);  // text between elements is no sibling element
  EXPECT_EQ(r.css("p:last-child::text").get(), "c");
  EXPECT_EQ(r.css("body::text").getall(), (strings{"a", "b"}));
}

TEST(HtmlText, InvalidUtf8InputGivesValidText) {
  // A document is built from UTF-8 (responses decode first), but whatever bytes it gets, what
  // comes out of it is UTF-8.
  const auto doc = std::make_shared<const html::document>(std::string("<p a='\xFF'>\xC7x\xED\xA0\x80</p><!--\xFE-->"));
  const selector root(doc, html::child_at(doc->root()->v.document.children, 0));
  for (const auto& text : root.css("*::text").getall()) EXPECT_TRUE(html::is_valid_utf8(text)) << text;
  EXPECT_TRUE(html::is_valid_utf8(root.css("p::attr(a)").get()));
  EXPECT_TRUE(html::is_valid_utf8(root.get())) << root.get();
}

TEST(HtmlText, NewerElementsParseAsTodaysStandard) {
  // gumbo 0.10.1 alone: "bar" stays in the <p>, "baz" too, and <menuitem> is void.
  EXPECT_EQ(page("<dialog><p>foo</dialog>bar").css("body::text").getall(), strings{"bar"});
  EXPECT_EQ(page("<p>foo<search>bar</search>baz").css("p::text").getall(), strings{"foo"});
  EXPECT_EQ(page("<p>foo<search>bar</search>baz").css("body::text").getall(), strings{"baz"});
  EXPECT_EQ(page("<menu><menuitem>Open<menuitem>Save</menu>").css("menuitem::text").getall(),
            (strings{"Open", "Save"}));
  EXPECT_EQ(page("<menuitem><span>x</menuitem>y").css("body::text").getall(), strings{"y"});
  // They keep their own names: in selectors, in serialised markup, in the case the page wrote.
  EXPECT_EQ(page("<DIALOG open>d</DIALOG>").css("dialog[open]::text").get(), "d");
  EXPECT_EQ(page("<search>s</search>").css("search").get(), "<search>s</search>");
  EXPECT_EQ(page("<menuitem label=m>").css("menuitem").get(), "<menuitem label=\"m\"></menuitem>");
  EXPECT_TRUE(page("<dialog>d</dialog>").css("hgroup").empty());
  EXPECT_EQ(page("<hgroup><h1>h</h1></hgroup>").css("hgroup h1::text").get(), "h");
}

TEST(HtmlText, NewerElementNamesOutsideMarkupStayAsWritten) {
  const auto p = page("<title><dialog></title><!-- <search> --><p title='<menuitem>'>"
                      "<script>x = '</dialog>';</script>t</p><textarea><search></textarea>");
  EXPECT_EQ(p.css("title::text").get(), "<dialog>");
  EXPECT_EQ(p.css("p::attr(title)").get(), "<menuitem>");
  EXPECT_EQ(p.css("script::text").get(), "x = '</dialog>';");
  EXPECT_EQ(p.css("p::text").get(), "t");
  EXPECT_EQ(p.css("textarea::text").get(), "<search>");
}

TEST(HtmlText, SelectHoldsAnyContentAsTodaysStandardSays) {
  // gumbo 0.10.1 alone drops the <span> and the <button>: their text is the select's.
  EXPECT_EQ(page("<select><option><span>a</span>b</option></select>").css("option span::text").get(), "a");
  EXPECT_EQ(page("<select><button>pick</button><option>x</select>").css("select > button::text").get(), "pick");
  // A nested <select> or an <input> closes the open one; the nested start tag is ignored.
  EXPECT_EQ(page("<select><option>a<select>b").css("body::text").getall(), strings{"b"});
  EXPECT_EQ(page("<select><option>a<select>b").css("select").size(), 1u);
  EXPECT_EQ(page("<select><input name=q>c").css("body > input::attr(name)").get(), "q");
  EXPECT_EQ(page("<table><tr><td><select><option>a<input>b</table>").css("body > input").size(), 0u);
  // <selectedcontent> shows a copy of the selected option.
  EXPECT_EQ(page("<select><button><selectedcontent></selectedcontent></button><option>A<option selected>B<i>i</i>"
                 "</select>")
                .css("selectedcontent ::text")
                .getall(),
            (strings{"B", "i"}));
  // Inside the option it copies (found by fuzzing): the copy is taken before it is put in.
  EXPECT_EQ(page("<select><option selected><selectedcontent></selectedcontent>A</select>")
                .css("selectedcontent::text")
                .getall(),
            strings{"A"});
  EXPECT_EQ(page("<select><option>A<option>B</select>").css("select").get(),
            "<select><option>A</option><option>B</option></select>");
}

TEST(HtmlText, IsindexIsAnOrdinaryElement) {
  // gumbo 0.10.1 alone expands it into a form with an invented prompt.
  const auto p = page("<isindex prompt=Search>x</isindex>y");
  EXPECT_EQ(p.css("isindex::text").get(), "x");
  EXPECT_EQ(p.css("body ::text").getall(), (strings{"x", "y"}));
  EXPECT_TRUE(p.css("form, label, hr").empty());
}
