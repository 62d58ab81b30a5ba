// The shell's expression language without a network: parsing, Python's repr, and evaluation over
// responses built in memory.
#include "page_tools.hpp"
#include "shell_expression.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace orbweaver;
using namespace orbweaver::launcher::shell;

namespace {

response_ptr page(std::string address, std::string body, int status = 200) {
  http_headers headers{{"Content-Type", "text/html; charset=utf-8"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
  return std::make_shared<response>(request(address), address, status, std::move(headers), std::move(body));
}

const char* const shop = R"~(<html><head><title>Travel | Orbweaver Books</title></head><body>
<ul><li><a href="page-1.html">one</a></li><li><a href="page-2.html">two</a></li></ul>
<p class="price">£51.77</p><p class="price">£13.99</p></body></html>)~";

// A shell whose fetch() serves pages from a map, and records what it was asked for.
struct fake_shell {
  std::map<std::string, std::string> site;
  std::vector<std::string> asked;
  shell_context context;

  fake_shell() {
    context.page = page("http://shop.test/travel/", shop);
    context.fetch = [this](const std::string& address) {
      auto absolute = context.page ? context.page->urljoin(address).value_or(address) : address;
      asked.push_back(absolute);
      auto found = site.find(absolute);
      if (found == site.end()) throw shell_error("Error downloading <GET " + absolute + ">");
      return page(absolute, found->second);
    };
  }
  std::string run(std::string_view line) { return run_line(line, context).value_or("<nothing>"); }
  std::string error_of(std::string_view line) {
    try {
      run_line(line, context);
    } catch (const shell_error& e) {
      return e.what();
    }
    return "no error";
  }
};

}  // namespace

TEST(ShellExpression, ParsesChainsOfCallsAndSubscripts) {
  auto steps = parse_expression(R"~( response . css("a::attr(href)") [ -1 ].re( r'\d+' , 'x\'y\n') )~");
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0].type, step::kind::name);
  EXPECT_EQ(steps[0].name, "response");
  EXPECT_EQ(steps[1].type, step::kind::call);
  EXPECT_EQ(steps[1].name, "css");
  EXPECT_EQ(steps[1].args, std::vector<literal>{std::string("a::attr(href)")});
  EXPECT_EQ(steps[2].type, step::kind::subscript);
  EXPECT_EQ(steps[2].args, std::vector<literal>{-1LL});
  EXPECT_EQ(steps[3].name, "re");
  // A raw string keeps its backslashes; an ordinary one decodes \' and \n.
  EXPECT_EQ(steps[3].args, (std::vector<literal>{std::string(R"~(\d+)~"), std::string("x'y\n")}));

  EXPECT_TRUE(parse_expression("   ").empty());
  EXPECT_EQ(parse_expression("help")[0].type, step::kind::name);
  EXPECT_EQ(parse_expression("fetch()")[0].type, step::kind::call);
  // Python keeps the backslash of an escape it does not know: "\d" is a regex's \d.
  EXPECT_EQ(parse_expression(R"~(re("\d\\"))~")[0].args[0], literal(std::string(R"~(\d\)~")));
}

TEST(ShellExpression, SyntaxErrorsSayWhereAndWhat) {
  auto error_of = [](std::string_view line) {
    try {
      parse_expression(line);
    } catch (const shell_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("css(\"a\""), "SyntaxError: ',' or ')' expected at the end of the line at column 8");
  EXPECT_EQ(error_of("css(\"a)"), "SyntaxError: unterminated string at column 8");
  EXPECT_EQ(error_of("css(a)"), "SyntaxError: a string or a number expected at column 5");
  EXPECT_EQ(error_of("css(\"a\") x"), "SyntaxError: unexpected 'x' at column 10");
  EXPECT_EQ(error_of("1 + 1"), "SyntaxError: a name expected at column 1");
  EXPECT_EQ(error_of("css(\"a\")."), "SyntaxError: a name expected at the end of the line at column 10");
  EXPECT_EQ(error_of("x[1a]"), "SyntaxError: invalid number at column 4");
  EXPECT_EQ(error_of("x[99999999999999999999]"), "SyntaxError: number too large at column 23");
}

TEST(ShellExpression, ReprIsPythons) {
  EXPECT_EQ(python_repr("Travel"), "'Travel'");
  EXPECT_EQ(python_repr("it's"), R"~("it's")~");
  EXPECT_EQ(python_repr(R"~(it's "quoted")~"), R"~('it\'s "quoted"')~");
  EXPECT_EQ(python_repr("a\\b\n\t\r"), R"~('a\\b\n\t\r')~");
  EXPECT_EQ(python_repr("Poésie 東京"), "'Poésie 東京'");
  EXPECT_EQ(python_repr("\x01 \xc2\xa0 \xe2\x80\x8b"), R"~('\x01 \xa0 \u200b')~");
  EXPECT_EQ(python_repr(""), "''");
}

TEST(ShellExpression, SelectorsAnswerAsInScrapysShell) {
  fake_shell shell;
  EXPECT_EQ(shell.run(R"~(css("title::text").get())~"), "'Travel | Orbweaver Books'");
  EXPECT_EQ(shell.run(R"~(response.css("title::text").get())~"), "'Travel | Orbweaver Books'");
  EXPECT_EQ(shell.run(R"~(css("a::attr(href)").getall())~"), "['page-1.html', 'page-2.html']");
  EXPECT_EQ(shell.run(R"~(css("a::attr(href)")[1].get())~"), "'page-2.html'");
  EXPECT_EQ(shell.run(R"~(css("a::attr(href)").getall()[-1])~"), "'page-2.html'");
  EXPECT_EQ(shell.run(R"~(css("ul").css("li a::text").getall())~"), "['one', 'two']");
  EXPECT_EQ(shell.run(R"~(css("li a")[0].attrib("href"))~"), "'page-1.html'");
  EXPECT_EQ(shell.run(R"~(css("p.price::text").re(r"[\d.]+"))~"), "['51.77', '13.99']");
  EXPECT_EQ(shell.run(R"~(css("p.price::text").re_first(r"£(\d+)"))~"), "'51'");
  EXPECT_EQ(shell.run(R"~(re(r"(\d+)\.99"))~"), "['13']");
  EXPECT_EQ(shell.run(R"~(re_first("nothing here"))~"), "None");
  EXPECT_EQ(shell.run(R"~(css("h2").get())~"), "None");
  EXPECT_EQ(shell.run(R"~(css("h2").get("none found"))~"), "'none found'");
  EXPECT_EQ(shell.run(R"~(css("h2"))~"), "[]");
  EXPECT_EQ(shell.run(R"~(css("li a"))~"),
            "[<Selector query='li a' data='<a href=\"page-1.html\">one</a>'>, "
            "<Selector query='li a' data='<a href=\"page-2.html\">two</a>'>]");
  // parsel shortens a selector's data to 40 characters.
  EXPECT_EQ(shell.run(R"~(css("ul li")[0])~"), "<Selector query='ul li' data='<li><a href=\"page-1.html\">one</a></li>'>");
  EXPECT_EQ(shell.run(R"~(css("ul")[0])~"), "<Selector query='ul' data='<ul><li><a href=\"page-1.html\">one</a>...'>");
  EXPECT_EQ(shell.run(R"~(css("p.price::text").get().strip())~"), "'£51.77'");
}

TEST(ShellExpression, ThePageAndItsParts) {
  fake_shell shell;
  EXPECT_EQ(shell.run("status"), "200");
  EXPECT_EQ(shell.run("url"), "'http://shop.test/travel/'");
  EXPECT_EQ(shell.run("response"), "<200 http://shop.test/travel/>");
  EXPECT_EQ(shell.run("headers"), "{'Content-Type': ['text/html; charset=utf-8'], 'Set-Cookie': ['a=1', 'b=2']}");
  EXPECT_EQ(shell.run(R"~(headers.get("content-type"))~"), "'text/html; charset=utf-8'");
  EXPECT_EQ(shell.run("body").substr(0, 14), "'<html><head><");

  shell.context.page = page("http://shop.test/big", std::string(5000, 'x'));
  EXPECT_EQ(shell.run("text"), "'" + std::string(1000, 'x') + "' ... (5000 bytes in all)");
}

TEST(ShellExpression, FetchMakesANewCurrentPage) {
  fake_shell shell;
  shell.site["http://shop.test/travel/page-2.html"] = "<title>Page 2</title>";
  EXPECT_EQ(shell.run(R"~(fetch("page-2.html"))~"), "<200 http://shop.test/travel/page-2.html>");
  EXPECT_EQ(shell.asked, std::vector<std::string>{"http://shop.test/travel/page-2.html"});
  EXPECT_EQ(shell.run(R"~(css("title::text").get())~"), "'Page 2'");
  EXPECT_EQ(shell.error_of(R"~(fetch("elsewhere"))~"), "Error downloading <GET http://shop.test/travel/elsewhere>");
  EXPECT_EQ(shell.run("url"), "'http://shop.test/travel/page-2.html'") << "a failed fetch keeps the page";
}

TEST(ShellExpression, MistakesAreWordedAsPythonWordsThem) {
  fake_shell shell;
  EXPECT_EQ(shell.error_of("nope"), "NameError: name 'nope' is not defined (help lists what there is)");
  EXPECT_EQ(shell.error_of(R"~(css("a").gett())~"), "AttributeError: 'SelectorList' object has no attribute 'gett'");
  EXPECT_EQ(shell.error_of(R"~(css("a").get().getall())~"), "AttributeError: 'str' object has no attribute 'getall'");
  EXPECT_EQ(shell.error_of(R"~(css("a", "b"))~"), "TypeError: css() takes 1 argument (2 given)");
  EXPECT_EQ(shell.error_of(R"~(css(1))~"), "TypeError: css() wants a string argument");
  EXPECT_EQ(shell.error_of(R"~(css("a").css)~"), "TypeError: css is a method: call it, css(...)");
  EXPECT_EQ(shell.error_of(R"~(css("a")[5])~"), "IndexError: list index out of range");
  EXPECT_EQ(shell.error_of("status[0]"), "TypeError: 'int' object is not subscriptable");
  EXPECT_EQ(shell.error_of(R"~(css("[["))~").rfind("SelectorError: ", 0), 0u);
  EXPECT_EQ(shell.error_of(R"~(re("(unclosed"))~").rfind("SelectorError: invalid regular expression", 0), 0u);
  EXPECT_EQ(shell.error_of(R"~(xpath("//a["))~"), "SelectorError: XPath error: Invalid expression in //a[");
  EXPECT_EQ(shell.error_of(R"~(css("a").xpath("nope()"))~"), "SelectorError: XPath error: Unregistered function in nope()");
  EXPECT_EQ(shell.error_of(R"~(xpath("//a", "b"))~"), "TypeError: xpath() takes 1 argument (2 given)");

  shell.context.page = nullptr;
  EXPECT_EQ(shell.error_of("status"), "NameError: there is no page yet: fetch(\"URL\") one first");
  EXPECT_EQ(shell.run("response"), "None");
}

TEST(ShellExpression, HelpAndExit) {
  fake_shell shell;
  EXPECT_NE(shell.run("help").find("fetch(\"URL\")"), std::string::npos);
  EXPECT_EQ(run_line("", shell.context), std::nullopt);
  EXPECT_FALSE(shell.context.finished);
  EXPECT_EQ(run_line("exit", shell.context), std::nullopt);
  EXPECT_TRUE(shell.context.finished);
  shell.context.finished = false;
  run_line("quit()", shell.context);
  EXPECT_TRUE(shell.context.finished);
}

TEST(PageTools, ASpiderHandlesItsDomainsAndStartHosts) {
  spider s;
  s.allowed_domains = {"Books.Example"};
  s.start_urls = {"http://127.0.0.1:8301/"};
  EXPECT_TRUE(launcher::spider_handles(s, "books.example"));
  EXPECT_TRUE(launcher::spider_handles(s, "shop.books.example"));
  EXPECT_TRUE(launcher::spider_handles(s, "127.0.0.1"));
  EXPECT_FALSE(launcher::spider_handles(s, "example"));
  EXPECT_FALSE(launcher::spider_handles(s, "otherbooks.example"));
  EXPECT_FALSE(launcher::spider_handles(s, ""));
  EXPECT_FALSE(launcher::spider_handles(spider{}, "books.example"));
}
