// orbweaver <command> [options] [args]. Exit status: 0 success, 1 the command failed (the crawl
// could not start, the project did not build), 2 a usage error (nothing was requested).
#include "command_line.hpp"
#include "commands.hpp"
#include "project.hpp"

#include <orbweaver/settings.hpp>
#include <orbweaver/spider.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace orbweaver::launcher {
namespace {

constexpr bool project_code = true;

constexpr std::array all_commands{
    command{"bench", "Run quick benchmark test", bench_command},
    command{"check", "Check spider contracts", check_command, project_code},
    command{"crawl", "Run a spider", crawl_command, project_code},
    command{"fetch", "Fetch a URL using the orbweaver downloader", fetch_command, project_code},
    command{"genspider", "Generate new spider using pre-defined templates", genspider_command},
    command{"list", "List available spiders", list_command, project_code},
    command{"parse", "Parse URL (using its spider) and print the results", parse_command, project_code},
    command{"runspider", "Run a self-contained spider (without creating a project)", runspider_command},
    command{"settings", "Print the settings reference (markdown)", settings_command, project_code},
    command{"shell", "Interactive scraping console", shell_command, project_code},
    command{"startproject", "Create new project", startproject_command},
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

int run_launcher(int argc, char** argv) {
  try {
    // Spiders register during static initialisation; a name twice is reported here, before anything runs.
    check_spider_names();
  } catch (const spider_name_error& e) {
    fmt::print(stderr, "orbweaver: error: {}\n", e.what());
    return 1;
  }
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
    if (c.runs_project_code && !std::getenv(project_root_variable)) {
      if (auto root = find_project_root(".")) {
        auto executable = build_project(*root, *root / ".orbweaver" / "build");
        if (!executable) return 1;
        ::setenv(project_root_variable, root->c_str(), 1);
        std::vector<std::string> project_args{executable->string()};
        project_args.insert(project_args.end(), args.begin(), args.end());
        hand_over(*executable, project_args);
        return 1;
      }
    }
    try {
      return c.run(std::span(args).subspan(1));
    } catch (const usage_error& e) {
      fmt::print(stderr, "orbweaver {}: error: {}\nUse \"orbweaver {} -h\" for help.\n", name, e.what(), name);
      return 2;
    } catch (const settings_error& e) {
      // A conflict among the settings components declare (ORBWEAVER_SETTING) stops every command.
      fmt::print(stderr, "orbweaver {}: error: {}\n", name, e.what());
      return 2;
    }
  }
  fmt::print(stderr, "Unknown command: {}\n\nUse \"orbweaver -h\" to see available commands\n", name);
  return 2;
}

}  // namespace orbweaver::launcher
