// orbweaver shell [URL]: try selectors on a page. On a terminal, a prompt with line editing and
// history (libedit); from a pipe, one expression a line and one answer a line, without prompt or
// banner, so that tests and the tutorial can drive it.
#include "command_line.hpp"
#include "commands.hpp"
#include "crawl_options.hpp"
#include "page_tools.hpp"
#include "shell_expression.hpp"

#include <fmt/format.h>

#include <editline/readline.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

namespace orbweaver::launcher {
namespace {

constexpr std::string_view shell_help =
    "Usage\n"
    "=====\n"
    "  orbweaver shell [options] [url]\n"
    "\n"
    "Interactive console for scraping the given url. Reads one expression a line\n"
    "from standard input when it is not a terminal:\n"
    "  printf 'css(\"title::text\").get()\\n' | orbweaver shell URL\n"
    "\n"
    "Options\n"
    "=======\n"
    "  -h, --help            show this help message and exit\n";

// Scrapy's banner, for what this shell has.
void print_banner(const shell::shell_context& context, const spider& s) {
  fmt::print("[s] Available orbweaver objects:\n");
  fmt::print("[s]   response   {}\n", context.page ? fmt::format("<{} {}>", context.page->status(), context.page->url())
                                                 : std::string("None"));
  fmt::print("[s]   spider     '{}'\n", s.name);
  fmt::print("[s] Useful shortcuts:\n");
  fmt::print("[s]   fetch(\"URL\")    Fetch URL and make it the current response\n");
  fmt::print("[s]   css(\"query\")    Select on the current response: .get(), .getall(), .re(...)\n");
  fmt::print("[s]   xpath(\"query\")  The same with XPath: xpath(\"//a/@href\").getall()\n");
  fmt::print("[s]   help            Shell help (print this help)\n");
}

// One line: its answer on standard output, a mistake on standard error. False for a mistake.
bool answer(const std::string& line, shell::shell_context& context) {
  try {
    if (auto text = shell::run_line(line, context)) fmt::print("{}\n", *text);
    std::fflush(stdout);
    return true;
  } catch (const shell::shell_error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "{}\n", e.what());
    return false;
  }
}

std::string history_file() {
  const char* home = std::getenv("HOME");
  return home ? (std::filesystem::path(home) / ".orbweaver_history").string() : std::string();
}

int interactive(shell::shell_context& context, const spider& s) {
  print_banner(context, s);
  const auto history = history_file();
  using_history();
  if (!history.empty()) read_history(history.c_str());
  while (!context.finished) {
    std::unique_ptr<char, decltype(&std::free)> line(readline(">>> "), &std::free);
    if (!line) {  // Ctrl-D
      fmt::print("\n");
      break;
    }
    if (*line.get() != '\0') add_history(line.get());
    answer(line.get(), context);
  }
  if (!history.empty()) write_history(history.c_str());
  return 0;
}

// From a pipe: exit status 1 when a line was a mistake, so that a script notices.
int piped(shell::shell_context& context) {
  bool all_answered = true;
  for (std::string line; !context.finished && std::getline(std::cin, line);) all_answered = answer(line, context) && all_answered;
  return all_answered ? 0 : 1;
}

}  // namespace

int shell_command(std::span<const std::string> args) {
  auto parsed = parse_args(args, page_option_specs);
  if (parsed.help) {
    fmt::print("{}{}", shell_help, page_options_help);
    return 0;
  }
  if (parsed.positionals.size() > 1) throw usage_error(fmt::format("unexpected argument: {}", parsed.positionals[1]));
  const auto options = read_page_options(parsed);
  std::optional<std::string> first_url;
  if (!parsed.positionals.empty()) first_url = requestable_url(parsed.positionals[0]);
  auto target = spider_for_page(options, first_url.value_or(""));

  return run_with_spider("shell", "", [&] {
    page_session session(std::move(target), page_settings(options));
    shell::shell_context context;
    context.fetch = [&](const std::string& address) {
      std::optional<std::string> absolute;
      if (context.page) {
        absolute = context.page->urljoin(address);
      } else {
        try {
          absolute = requestable_url(address);
        } catch (const usage_error&) {
        }
      }
      if (!absolute) throw shell::shell_error(fmt::format("ValueError: cannot request {}", shell::python_repr(address)));
      request r(*absolute);
      r.dont_filter = true;
      auto result = session.download(r);
      if (!result.resp) throw shell::shell_error(download_error_message(r, result));
      return result.resp;
    };
    if (first_url) {
      try {
        context.page = context.fetch(*first_url);
      } catch (const shell::shell_error& e) {
        fmt::print(stderr, "orbweaver shell: error: {}\n", e.what());
        return 1;
      }
    }
    return ::isatty(STDIN_FILENO) ? interactive(context, session.target()) : piped(context);
  });
}

}  // namespace orbweaver::launcher
