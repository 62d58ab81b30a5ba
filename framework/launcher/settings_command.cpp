#include "command_line.hpp"
#include "commands.hpp"

#include "settings/setting_help.hpp"

#include <fmt/format.h>

namespace orbweaver::launcher {

int settings_command(std::span<const std::string> args) {
  auto parsed = parse_args(args, {});
  if (parsed.help) {
    fmt::print(
        "Usage\n"
        "=====\n"
        "  orbweaver settings\n"
        "\n"
        "Print every setting with its type, default and description as a markdown table:\n"
        "the built-ins (docs/settings.md is this table: orbweaver settings > docs/settings.md),\n"
        "then the settings the components compiled in declare (ORBWEAVER_SETTING)\n");
    return 0;
  }
  if (!parsed.positionals.empty()) throw usage_error(fmt::format("unexpected argument: {}", parsed.positionals[0]));
  try {
    check_setting_declarations();
  } catch (const settings_error& e) {
    fmt::print(stderr, "orbweaver settings: error: {}\n", e.what());
    return 2;
  }
  fmt::print("{}{}", settings_markdown(), component_settings_markdown());
  return 0;
}

}  // namespace orbweaver::launcher
