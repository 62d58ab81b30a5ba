// The nesting cap applied before gumbo parses a page.
#include "html/nesting.hpp"

#include <orbweaver/response.hpp>

#include <gtest/gtest.h>

#include <algorithm>

using orbweaver::html::flatten_deep_nesting;

namespace {

std::string nested(const std::string& open, const std::string& close, int levels, const std::string& inner) {
  std::string out;
  for (int i = 0; i < levels; ++i) out += open;
  out += inner;
  for (int i = 0; i < levels; ++i) out += close;
  return out;
}

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++count;
  return count;
}

}  // namespace

TEST(Nesting, OrdinaryPagesAreLeftAlone) {
  EXPECT_FALSE(flatten_deep_nesting("<html><body><div><p>a<p>b<ul><li>x<li>y</ul></div></body></html>"));
  EXPECT_FALSE(flatten_deep_nesting(nested("<div>", "</div>", 40, "text"), 64));
}

TEST(Nesting, ElementsBeyondTheCapAreClosedAtOnce) {
  const auto flattened = flatten_deep_nesting(nested("<div class=\"a>b\">", "</div>", 1000, "<span>deep</span>"), 100);
  ASSERT_TRUE(flattened);
  EXPECT_EQ(occurrences(*flattened, "<div class=\"a>b\"></div>"), 900u);  // closed at once
  EXPECT_EQ(occurrences(*flattened, "</div>"), 1000u);
  EXPECT_NE(flattened->find("<span></span>deep"), std::string::npos);
}

TEST(Nesting, UnclosedElementsWithOptionalEndTagsAreNotDepth) {
  std::string list = "<ul>";
  for (int i = 0; i < 5000; ++i) list += "<li><p>item";
  EXPECT_FALSE(flatten_deep_nesting(list + "</ul>", 16));
}

TEST(Nesting, ScriptsCommentsAndVoidElementsDoNotCount) {
  const std::string divs = nested("<div>", "</div>", 100, "");
  EXPECT_FALSE(flatten_deep_nesting("<script>" + nested("<div>", "", 100, "") + "</SCRIPT>", 16));
  EXPECT_FALSE(flatten_deep_nesting("<!--" + nested("<div>", "", 100, "") + "-->", 16));
  EXPECT_FALSE(flatten_deep_nesting(nested("<br>", "", 100, "") + nested("<img src=x>", "", 100, ""), 16));
  EXPECT_FALSE(flatten_deep_nesting(nested("<x/>", "", 100, "") + "a < b and <3", 16));
}

TEST(Nesting, HundredThousandLevelsParseAndSelect) {
  orbweaver::http_headers headers;
  headers.add("Content-Type", "text/html");
  const orbweaver::response root(orbweaver::request("http://example.com/"), "http://example.com/", 200, headers,
                                 "<html><head><title>deep</title></head><body>" +
                                     nested("<div>", "</div>", 100'000, "<span id=s>inside</span>") +
                                     "<p id=after>after</p></body></html>");
  EXPECT_EQ(root.css("title::text").get(), "deep");
  EXPECT_EQ(root.css("#s").size(), 1u);  // kept, as a sibling at the deepest level allowed
  const auto texts = root.css("div::text").getall();
  EXPECT_NE(std::find(texts.begin(), texts.end(), "inside"), texts.end());
  EXPECT_EQ(root.css("#after::text").get(), "after");
}
