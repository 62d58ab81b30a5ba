#include "command_line.hpp"
#include "commands.hpp"

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
        "List the spiders compiled into this orbweaver, one name per line\n");
    return 0;
  }
  if (!parsed.positionals.empty()) throw usage_error(fmt::format("unexpected argument: {}", parsed.positionals[0]));
  for (const auto& name : spider_names()) fmt::print("{}\n", name);
  return 0;
}

}  // namespace orbweaver::launcher
