#pragma once
// The launcher's commands. Each takes the arguments after its name, prints its own help for
// -h/--help, throws usage_error for a mistake in the arguments, and returns the exit status.
#include <span>
#include <string>
#include <string_view>

namespace orbweaver::launcher {

struct command {
  std::string_view name;
  std::string_view summary;  // one line for the tool's help
  int (*run)(std::span<const std::string> args);
};

int crawl_command(std::span<const std::string> args);
int list_command(std::span<const std::string> args);
int settings_command(std::span<const std::string> args);
int version_command(std::span<const std::string> args);

}  // namespace orbweaver::launcher
