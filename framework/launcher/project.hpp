#pragma once
// A user's project: a folder with orbweaver.toml, built with CMake against the orbweaver package
// into <project>/.orbweaver/build. The launcher builds it and hands the command over (execv) to
// the project's executable, which is the same launcher with the project's spiders and components
// linked in (docs/architecture.md says why).
#include "settings/project_file.hpp"

#include <filesystem>
#include <optional>
#include <span>
#include <string>

namespace orbweaver::launcher {

// Set by the launcher for the project's executable: the project's root folder. Its presence also
// tells the executable that it is the project and must not hand over again.
inline constexpr const char* project_root_variable = "ORBWEAVER_PROJECT_ROOT";

// Where the running liborbweaver's CMake package and templates are: beside an install
// (lib/cmake/orbweaver, share/orbweaver/templates) or, for the in-tree build, the build folder and
// the source tree's framework/templates.
struct installation {
  std::filesystem::path package_dir;
  std::filesystem::path templates_dir;
};
const installation& this_installation();

// The folder holding orbweaver.toml (project_file_name, settings/project_file.hpp): `start` or its
// nearest parent with one.
std::optional<std::filesystem::path> find_project_root(const std::filesystem::path& start);

// In a project's executable, the project's orbweaver.toml; nullopt anywhere else. Settings are
// built from it (project priority).
std::optional<std::filesystem::path> running_project_file();

// In a project's executable, applies its orbweaver.toml [settings] at project priority; nothing
// elsewhere. A mistake in the file is a usage_error naming the file and line (exit status 2).
void apply_project_settings(settings& s);

// What crawl and list say outside a project when no spider is compiled in.
std::string no_project_message();

// Configures (once) and builds the CMake project `source_dir` into `build_dir`, quietly. On
// success returns the executable marked with orbweaver_project_executable(); on a failure prints
// the tools' output as it is to standard error and returns nullopt.
std::optional<std::filesystem::path> build_project(const std::filesystem::path& source_dir,
                                                   const std::filesystem::path& build_dir);

// What a build depends on besides its sources (framework version, package, flags): runspider's
// cache key includes it.
std::string build_signature();

// Replaces this process with `program` called with `args` (argv[0] included). Returns only when
// that fails, after printing why; the caller exits 1.
void hand_over(const std::filesystem::path& program, std::span<const std::string> args);

}  // namespace orbweaver::launcher
