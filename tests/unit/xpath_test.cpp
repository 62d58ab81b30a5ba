// XPath 1.0 on responses and selectors (html/xpath.cpp): the kinds of results, chaining with
// css(), parsel's extension functions, errors, and documents that are large, deep or odd.
#include <orbweaver/response.hpp>

#include "html/document.hpp"
#include "html/xpath.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

using namespace orbweaver;

namespace {

response page(std::string body, std::string type = "text/html; charset=utf-8") {
  return response(request("http://example.com/"), "http://example.com/", 200, {{"Content-Type", std::move(type)}},
                  std::move(body));
}

using strings = std::vector<std::string>;

const char* const shop = R"(<html><head><title>Books</title></head><body>
<div class="pl2 item"><a href="/a">Alpha</a> <span class="rating">4.5</span></div>
<div class="pl2"><a href="/b">Beta &amp; Co</a><br>second line</div>
<!-- a comment -->
<ul><li>one</li><li class="x  y">two</li></ul>
</body></html>)";

}  // namespace

TEST(Xpath, ElementsTextAttributesAndScalars) {
  const auto r = page(shop);
  EXPECT_EQ(r.xpath("//div[@class='pl2']/a/text()").getall(), strings{"Beta & Co"});
  EXPECT_EQ(r.xpath("//a/@href").getall(), (strings{"/a", "/b"}));
  EXPECT_EQ(r.xpath("//a/@href")[0].type(), selector::kind::attribute);
  EXPECT_EQ(r.xpath("//a/text()")[0].type(), selector::kind::text);
  EXPECT_EQ(r.xpath("//a")[0].get(), R"(<a href="/a">Alpha</a>)");
  EXPECT_EQ(r.xpath("//a")[0].tag(), "a");
  EXPECT_EQ(r.xpath("//div/text()").getall(), (strings{" ", "second line"}));
  EXPECT_EQ(r.xpath("string(//title)").get(), "Books");
  EXPECT_EQ(r.xpath("count(//a)").get(), "2.0");
  EXPECT_EQ(r.xpath("sum(//span)").get(), "4.5");
  EXPECT_EQ(r.xpath("count(//a) > 1").get(), "1");
  EXPECT_EQ(r.xpath("boolean(//table)").get(), "0");
  EXPECT_EQ(r.xpath("1 div 0").get(), "inf");
  EXPECT_EQ(r.xpath("//comment()").get(), "<!-- a comment -->");
  EXPECT_EQ(r.xpath("//nothing").get("none"), "none");
  EXPECT_TRUE(r.xpath("/").empty()) << "parsel gives nothing for the document node";
  EXPECT_EQ(r.xpath("name(.)").get(), "html") << "relative to the root element, as parsel";
  EXPECT_EQ(r.xpath("body/ul/li[2]/text()").get(), "two");
  EXPECT_EQ(r.xpath("//a").attrib("href"), "/a");
  EXPECT_EQ(r.xpath("//span").re_first(R"((\d+)\.\d)"), "4");
  EXPECT_EQ(r.xpath("//ul")[0].text(), "onetwo");
}

TEST(Xpath, ChainsWithCssBothWays) {
  const auto r = page(shop);
  EXPECT_EQ(r.xpath("//div").css("a::attr(href)").getall(), (strings{"/a", "/b"}));
  EXPECT_EQ(r.css("div.item").xpath("./a/@href").getall(), strings{"/a"});
  EXPECT_EQ(r.css("div").xpath("a/text()").getall(), (strings{"Alpha", "Beta & Co"}));
  EXPECT_EQ(r.css("li").xpath(".").getall(), (strings{"<li>one</li>", R"(<li class="x  y">two</li>)"}));
  EXPECT_EQ(r.css("li")[1].xpath("preceding-sibling::li/text()").getall(), strings{"one"});
  EXPECT_EQ(r.css("li")[1].xpath("//title/text()").get(), "Books") << "an absolute path searches the document";
  EXPECT_TRUE(r.xpath("//a/@href").xpath(".").empty()) << "attributes and text select nothing further";
  EXPECT_EQ(r.xpath("//div").xpath("./a").query(), R"(xpath("//div").xpath("./a"))");
  EXPECT_EQ(r.css("div").xpath("count(a)").getall(), (strings{"1.0", "1.0"}));
}

TEST(Xpath, ParselExtensionFunctions) {
  const auto r = page(shop);
  EXPECT_EQ(r.xpath("//li[has-class('x')]/text()").getall(), strings{"two"});
  EXPECT_EQ(r.xpath("//li[has-class('y', 'x')]/text()").getall(), strings{"two"});
  EXPECT_TRUE(r.xpath("//li[has-class('x', 'z')]").empty());
  EXPECT_EQ(r.xpath("//a[re:test(@href, '^/B$', 'i')]/text()").getall(), strings{"Beta & Co"});
  EXPECT_TRUE(r.xpath("//a[re:test(@href, '^/B$')]").empty());
  EXPECT_EQ(r.xpath("re:test(//span, '^[0-9.]+$')").get(), "1");
  EXPECT_EQ(r.xpath("re:match('abc12', '([a-z]+)([0-9]+)')").getall(),
            (strings{"<match>abc12</match>", "<match>abc</match>", "<match>12</match>"}));
  EXPECT_EQ(r.xpath("re:match('abc12 de3', '[a-z]+', 'g')/text()").getall(), (strings{"abc", "de"}));
  EXPECT_EQ(r.xpath("string(re:match('abc12', '[0-9]+'))").get(), "12");
  EXPECT_EQ(r.xpath("re:replace('abcabc', 'b', 'g', 'X')").get(), "aXcaXc");
  EXPECT_EQ(r.xpath(R"(re:replace('abcabc', '(b)(c)', '', '[\2\1]'))").get(), "a[cb]abc");
  EXPECT_EQ(r.xpath(R"(re:replace('2026-12-06', '(\d+)-(\d+)-(\d+)', '', '\g<3>.\2.\1'))").get(), "06.12.2026");
  EXPECT_EQ(r.xpath("re:test('a\nb', 'a.b')").get(), "0") << "as Python's re: a dot matches no newline";
  EXPECT_EQ(r.xpath("re:test('a\nb', '^b')").get(), "0") << "as Python's re: ^ is the start of the string";
  EXPECT_EQ(r.xpath("re:test(3, '^3.0$')").get(), "1") << "a number is Python's str of a float";
}

TEST(Xpath, MistakesThrowSelectorErrorWithLibxml2sMessage) {
  const auto r = page(shop);
  auto message = [&](const std::string& query) {
    try {
      r.xpath(query);
    } catch (const selector_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("//a["), "XPath error: Invalid expression in //a[");
  testing::internal::CaptureStderr();
  EXPECT_EQ(message("nope()"), "XPath error: Unregistered function in nope()");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "") << "libxml2 prints nothing of its own";
  EXPECT_EQ(message("$price"), "XPath error: Undefined variable in $price");
  EXPECT_EQ(message("//x:a"), "XPath error: Undefined namespace prefix in //x:a");
  EXPECT_EQ(message("has-class()"), "XPath error: has-class must have at least 1 argument in has-class()");
  EXPECT_EQ(message("//li[has-class(1)]"), "XPath error: has-class arguments must be strings in //li[has-class(1)]");
  EXPECT_EQ(message("re:test('a')"), "XPath error: re:test() takes 2 to 3 arguments (1 given) in re:test('a')");
  EXPECT_EQ(message("re:replace('a', 'b', 'g')"),
            "XPath error: re:replace() takes 4 arguments (3 given) in re:replace('a', 'b', 'g')");
  EXPECT_EQ(message("re:test('a', '(')").rfind("XPath error: invalid regular expression '('", 0), 0u);
  EXPECT_EQ(message(std::string(300, '(') + "1" + std::string(300, ')')).rfind("XPath error: more than 256 nested", 0), 0u);
  EXPECT_EQ(message(std::string(200, '(') + "1" + std::string(200, ')')), "no error");
  EXPECT_THROW(page("%PDF-1.4", "application/pdf").xpath("//a"), not_supported);
  EXPECT_EQ(r.xpath("//a/@href").xpath("//a[").size(), 0u) << "text and attributes are not queried";
}

TEST(Xpath, NamespacesAsLxmlsHtmlParserHasThem) {
  const auto r = page(R"(<body><svg viewBox="0 0 1 1"><clipPath id="c"><circle r="1"/></clipPath></svg>
<math><mi>x</mi></math><p xml:lang="en">t</p></body>)");
  EXPECT_EQ(r.xpath("//svg/@viewbox").get(), "0 0 1 1");
  EXPECT_EQ(r.xpath("count(//clippath/circle)").get(), "1.0");
  EXPECT_EQ(r.xpath("name(//clippath)").get(), "clippath");
  EXPECT_EQ(r.xpath("//mi/text()").get(), "x");
  EXPECT_EQ(r.xpath("//clippath")[0].get(), R"(<clipPath id="c"><circle r="1"></circle></clipPath>)")
      << "get() serialises gumbo's tree, as css() does";
  EXPECT_EQ(r.xpath("//p/namespace::*").get(), "('xml', 'http://www.w3.org/XML/1998/namespace')");
}

TEST(Xpath, TemplatesCdataAndCommentsOutsideHtml) {
  const auto r = page("<!-- first --><html><body><template><p>in template</p></template>"
                      "<svg><![CDATA[raw]]>text</svg></body></html>");
  EXPECT_EQ(r.xpath("//template/p/text()").get(), "in template");
  EXPECT_EQ(r.xpath("//svg/text()").getall(), strings{"rawtext"}) << "adjacent text is one node";
  EXPECT_EQ(r.xpath("//comment()").get(), "<!-- first -->");
}

TEST(Xpath, DeepLargeAndRepairedDocuments) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "end";
  const auto r = page(deep);
  EXPECT_EQ(r.xpath("count(//div)").get(), "100000.0");
  EXPECT_EQ(r.xpath("//div[last()]/text()").get(), "end");

  std::string large = "<ul>";
  for (int i = 0; i < 50000; ++i) large += "<li class='i'>" + std::to_string(i) + "</li>";
  const auto big = page(large + "</ul>");
  EXPECT_EQ(big.xpath("//li").size(), 50000u);
  EXPECT_EQ(big.xpath("//li[last()]/text()").get(), "49999");

  const auto broken = page(std::string("<p>caf\xE9 \xFF</p>"));
  EXPECT_EQ(broken.xpath("//p/text()").get(), "caf\xEF\xBF\xBD \xEF\xBF\xBD");
}

TEST(Xpath, OneTreeSharedByThreads) {
  const auto r = page(shop);
  const selector_list divs = r.css("div");  // the tree is built by the first xpath() on any thread
  std::vector<std::thread> threads;
  std::vector<std::string> found(8);
  for (std::size_t t = 0; t < found.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) found[t] = divs[t % 2].xpath("./a/@href").get();
    });
  for (auto& thread : threads) thread.join();
  for (std::size_t t = 0; t < found.size(); ++t) EXPECT_EQ(found[t], t % 2 ? "/b" : "/a");
}

TEST(Xpath, CssAloneBuildsNoLibxml2Tree) {
  // The catalog bench reads pages with css() only: no xpath_tree may be built for it.
  auto doc = std::make_shared<const html::document>(std::string(shop));
  EXPECT_FALSE(doc->has_xpath_tree());
  EXPECT_EQ(html::xpath_select(doc, nullptr, "count(//a)")[0].get(), "2.0");
  EXPECT_TRUE(doc->has_xpath_tree());
}

TEST(Xpath, NumbersAsPythonPrintsThem) {
  EXPECT_EQ(html::python_float(3.0), "3.0");
  EXPECT_EQ(html::python_float(-0.0), "-0.0");
  EXPECT_EQ(html::python_float(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(html::python_float(1e16), "1e+16");
  EXPECT_EQ(html::python_float(1e15), "1000000000000000.0");
  EXPECT_EQ(html::python_float(123456.5), "123456.5");
  EXPECT_EQ(html::python_float(0.0001), "0.0001");
  EXPECT_EQ(html::python_float(0.00001), "1e-05");
  EXPECT_EQ(html::python_float(1.5e-7), "1.5e-07");
  EXPECT_EQ(html::python_float(-2.5e300), "-2.5e+300");
  EXPECT_EQ(html::python_float(-1.0 / 0.0), "-inf");
}

TEST(Xpath, RegularExpressionsMatchCharactersNotBytes) {
  // As Python's re in parsel: \w, a dot and case folding work on characters.
  const auto r = page("<p>naïve café 日本語 Été</p>");
  EXPECT_EQ(r.css("p::text").re(R"(\w+)"), (strings{"naïve", "café", "日本語", "Été"}));
  EXPECT_EQ(r.xpath("//p/text()").re_first(R"(日(.)語)"), "本");
  EXPECT_EQ(r.xpath("re:test(//p, 'été', 'i')").get(), "1");
  EXPECT_EQ(r.xpath("re:replace(//p, '\\w+', 'g', 'x')").get(), "x x x x");
  EXPECT_THROW(r.css("p").re("\xFF("), selector_error) << "a pattern that is not UTF-8";
}
