#pragma once
// The shell's little language: Python-like expressions over the current page, answered with
// Python's repr so that a line looks as it does in Scrapy's shell.
//   css("title::text").get()          'Home | Orbweaver Books'
//   css("li a::attr(href)").getall()  ['a.html', 'b.html']
//   re(r"\d+ books")   response.css("h1")[0].css("::text").get()   fetch("page-2.html")
// A line is a name (status, url, headers, body, text, response, help, exit) or a call, followed
// by .method(...) calls and [index] subscripts; arguments are string literals ('...', "...",
// r"..." raw) and integers. No I/O here: fetch() goes through shell_context::fetch.
#include <orbweaver/response.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace orbweaver::launcher::shell {

// A mistake in a line, worded as Python words it ("NameError: name 'x' is not defined").
struct shell_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using literal = std::variant<std::string, long long>;

// One link of a chain: `name`, `name(args)` (a call) or `[index]` (a subscript, args[0]).
struct step {
  enum class kind { name, call, subscript };
  kind type;
  std::string name;
  std::vector<literal> args;
};

// Steps in order: the first is a name or a call, the others calls of methods or subscripts.
// Empty for a blank line.
using expression = std::vector<step>;

// Throws shell_error ("SyntaxError: ...") when the line is not an expression.
expression parse_expression(std::string_view line);

// Python's repr of a str (quotes chosen as Python chooses them, control characters escaped).
std::string python_repr(std::string_view text);

// What evaluation needs from the shell: the current page and a way to download another.
struct shell_context {
  response_ptr page;  // null until a page was fetched
  // Downloads a URL (absolute, or relative to the current page) and returns the response; throws
  // shell_error when the download fails.
  std::function<response_ptr(const std::string& url)> fetch;
  bool finished = false;  // set by exit / quit
};

// The shell's help text (the `help` command).
std::string help_text();

// Evaluates a line: the text to print (a repr, or the help), nothing for a blank line or exit.
// fetch("URL") also makes the response the current page. Throws shell_error.
std::optional<std::string> run_line(std::string_view line, shell_context& context);

}  // namespace orbweaver::launcher::shell
