// orbweaver startproject NAME [DIR]: a project from share/orbweaver/templates/project that builds
// and crawls with no edits. Nothing that exists is overwritten: any collision refuses the whole
// project before a file is written.
#include "command_line.hpp"
#include "commands.hpp"
#include "project.hpp"
#include "templates.hpp"

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace orbweaver::launcher {

int startproject_command(std::span<const std::string> args) {
  auto parsed = parse_args(args, {});
  if (parsed.help) {
    fmt::print(
        "Usage\n"
        "=====\n"
        "  orbweaver startproject <project_name> [project_dir]\n"
        "\n"
        "Create new project in project_dir (default: a new folder named project_name)\n");
    return 0;
  }
  if (parsed.positionals.empty()) throw usage_error("missing project name");
  if (parsed.positionals.size() > 2) throw usage_error(fmt::format("unexpected argument: {}", parsed.positionals[2]));
  const std::string& name = parsed.positionals[0];
  if (!is_valid_name(name)) {
    fmt::print(stderr,
               "Error: Project names must be C++ identifiers (letters, digits and underscores, not starting with a "
               "digit) and not C++ keywords: '{}'\n",
               name);
    return 1;
  }
  fs::path dir = parsed.positionals.size() == 2 ? fs::path(parsed.positionals[1]) : fs::path(name);
  fs::path absolute_dir = fs::absolute(dir).lexically_normal();
  if (fs::exists(absolute_dir / project_file_name)) {
    fmt::print(stderr, "Error: {} already exists in {}\n", project_file_name, absolute_dir.string());
    return 1;
  }

  fs::path templates = this_installation().templates_dir / "project";
  auto files = list_template_files(templates);
  for (const auto& file : files) {
    if (fs::exists(absolute_dir / file.destination)) {
      fmt::print(stderr, "Error: {} already exists; nothing was written\n", (absolute_dir / file.destination).string());
      return 1;
    }
  }
  template_values values{{"project_name", name}, {"orbweaver_version", ORBWEAVER_VERSION}};
  try {
    for (const auto& file : files) write_rendered(file.source, absolute_dir / file.destination, values);
  } catch (const std::exception& e) {
    fmt::print(stderr, "Error: {}\n", e.what());
    return 1;
  }

  fmt::print(
      "New orbweaver project '{}', using template directory '{}', created in:\n"
      "    {}\n"
      "\n"
      "You can start your first spider with:\n"
      "    cd {}\n"
      "    orbweaver genspider example example.com\n",
      name, templates.string(), absolute_dir.string(), dir.string());
  return 0;
}

}  // namespace orbweaver::launcher
