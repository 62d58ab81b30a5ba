#pragma once
// The launcher's commands. Each takes the arguments after its name, prints its own help for
// -h/--help, throws usage_error for a mistake in the arguments, and returns the exit status.
// Adding a command: a file NAME_command.cpp defining it, and one line in the table (launcher.cpp).
#include <span>
#include <string>
#include <string_view>

namespace orbweaver::launcher {

struct command {
  std::string_view name;
  std::string_view summary;  // one line for the tool's help
  int (*run)(std::span<const std::string> args);
  // Needs the spiders and components of a project: inside one, the launcher builds the project and
  // hands the command over to the project's executable (project.hpp).
  bool runs_project_code = false;
};

int crawl_command(std::span<const std::string> args);
int list_command(std::span<const std::string> args);
int settings_command(std::span<const std::string> args);
int version_command(std::span<const std::string> args);
int startproject_command(std::span<const std::string> args);
int genspider_command(std::span<const std::string> args);
int runspider_command(std::span<const std::string> args);
int check_command(std::span<const std::string> args);
int bench_command(std::span<const std::string> args);
int fetch_command(std::span<const std::string> args);
int parse_command(std::span<const std::string> args);
int shell_command(std::span<const std::string> args);

// The whole tool: dispatches argv[1] to its command. main() of every orbweaver program.
int run_launcher(int argc, char** argv);

}  // namespace orbweaver::launcher
