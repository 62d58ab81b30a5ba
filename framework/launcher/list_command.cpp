#include "command_line.hpp"
#include "commands.hpp"
#include "project.hpp"

#include <orbweaver/spider.hpp>

#include <fmt/format.h>

namespace orbweaver::launcher {

int list_command(std::span<const std::string> args) {
  auto parsed = parse_args(args, {});
  if (parsed.help) {
    fmt::print(
        "Usage\n"
        "=====\n"
        "  orbweaver list\n"
        "\n"
        "List the spiders of the project (or compiled into this orbweaver), one name per\n"
        "line\n");
    return 0;
  }
  if (!parsed.positionals.empty()) throw usage_error(fmt::format("unexpected argument: {}", parsed.positionals[0]));
  auto names = spider_names();
  if (names.empty() && !running_project_file()) {
    fmt::print(stderr, "orbweaver list: error: {}\n", no_project_message());
    return 1;
  }
  for (const auto& name : names) fmt::print("{}\n", name);
  return 0;
}

}  // namespace orbweaver::launcher
