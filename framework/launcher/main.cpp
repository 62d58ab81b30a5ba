// orbweaver <command> [options] [args]: the crawl, list, settings and version commands.
// Exit status: 0 success, 1 the crawl could not start, 2 a usage error (nothing was requested).
#include "command_line.hpp"
#include "commands.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace orbweaver::launcher;

constexpr std::array all_commands{
    command{"crawl", "Run a spider", crawl_command},
    command{"list", "List available spiders", list_command},
    command{"settings", "Print the settings reference (markdown)", settings_command},
    command{"version", "Print orbweaver version", version_command},
};

std::string tool_help() {
  std::string text = fmt::format(
      "orbweaver {}\n"
      "\n"
      "Usage:\n"
      "  orbweaver <command> [options] [args]\n"
      "\n"
      "Available commands:\n",
      ORBWEAVER_VERSION);
  for (const auto& c : all_commands) text += fmt::format("  {:<13} {}\n", c.name, c.summary);
  text +=
      "\n"
      "Use \"orbweaver <command> -h\" to see more info about a command\n";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(tool_help().c_str(), stderr);
    return 2;
  }
  const std::string& name = args.front();
  if (name == "-h" || name == "--help") {
    std::fputs(tool_help().c_str(), stdout);
    return 0;
  }
  if (name == "--version") return version_command({});

  for (const auto& c : all_commands) {
    if (c.name != name) continue;
    try {
      return c.run(std::span(args).subspan(1));
    } catch (const usage_error& e) {
      fmt::print(stderr, "orbweaver {}: error: {}\nUse \"orbweaver {} -h\" for help.\n", name, e.what(), name);
      return 2;
    }
  }
  fmt::print(stderr, "Unknown command: {}\n\nUse \"orbweaver -h\" to see available commands\n", name);
  return 2;
}
