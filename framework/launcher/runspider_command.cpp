// orbweaver runspider FILE.cpp [crawl options]: one self-contained spider file compiled against
// the framework (share/orbweaver/templates/runspider) into a cache keyed by the SHA-256 of the
// file and the build signature, then run as `crawl` of the file's single spider. The compiled
// binary gets this command again with ORBWEAVER_RUNSPIDER_FILE set, and crawls.
#include "command_line.hpp"
#include "core/digest.hpp"
#include "commands.hpp"
#include "project.hpp"
#include "templates.hpp"

#include <orbweaver/spider.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace orbweaver::launcher {
namespace {

constexpr const char* runspider_file_variable = "ORBWEAVER_RUNSPIDER_FILE";

constexpr std::string_view runspider_help =
    "Usage\n"
    "=====\n"
    "  orbweaver runspider [options] <spider_file.cpp>\n"
    "\n"
    "Run the spider defined in a C++ file, without creating a project. The file is\n"
    "compiled against the installed orbweaver on first use and cached (by its content)\n"
    "under $XDG_CACHE_HOME/orbweaver (default ~/.cache/orbweaver).\n"
    "\n"
    "Options: the same as \"orbweaver crawl\" (-a, -o, -O, -s, -L, --logfile); see\n"
    "\"orbweaver crawl -h\".\n";

bool is_source_file(std::string_view arg) {
  for (std::string_view ext : {".cpp", ".cc", ".cxx"})
    if (arg.size() > ext.size() && arg.substr(arg.size() - ext.size()) == ext) return true;
  return false;
}

fs::path cache_root() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "orbweaver";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "orbweaver";
  return fs::temp_directory_path() / "orbweaver-cache";
}

// Inside the compiled binary: crawl the one spider the file defines.
int crawl_the_file_spider(const std::string& file, std::vector<std::string> crawl_args) {
  auto names = spider_names();
  if (names.empty()) {
    fmt::print(stderr, "No spider found in file: {}\n", file);
    return 1;
  }
  if (names.size() > 1)
    throw usage_error(fmt::format("{} defines {} spiders; runspider runs a file with exactly one", file, names.size()));
  crawl_args.push_back(names.front());
  return crawl_command(crawl_args);
}

}  // namespace

int runspider_command(std::span<const std::string> args) {
  std::vector<std::string> crawl_args;
  std::string file;
  for (const auto& arg : args) {
    if (arg == "-h" || arg == "--help") {
      fmt::print("{}", runspider_help);
      return 0;
    }
    if (file.empty() && is_source_file(arg))
      file = arg;
    else
      crawl_args.push_back(arg);
  }
  if (std::getenv(runspider_file_variable)) return crawl_the_file_spider(file, std::move(crawl_args));
  if (file.empty()) throw usage_error("missing the spider file (FILE.cpp)");

  std::ifstream in(file, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "File not found: {}\n", file);
    return 1;
  }
  std::ostringstream source;
  source << in.rdbuf();
  const std::string key = sha256_hex(source.str() + '\0' + build_signature());
  const fs::path cached = cache_root() / "runspider" / key.substr(0, 32);
  const fs::path built_marker = cached / "executable";

  std::string cached_executable;
  std::error_code ec;
  if (std::ifstream marker(built_marker); marker) std::getline(marker, cached_executable);
  fs::path executable = cached_executable;
  // Built before from the same source and framework: run it as it is.
  if (cached_executable.empty() || !fs::exists(executable, ec)) {
    // The cache holds its own copy of the source, so the binary matches the key.
    fs::create_directories(cached, ec);
    std::ofstream(cached / "spider.cpp", std::ios::binary) << source.str();
    try {
      write_rendered(this_installation().templates_dir / "runspider" / "CMakeLists.txt.tmpl", cached / "CMakeLists.txt",
                     {});
    } catch (const std::exception& e) {
      fmt::print(stderr, "orbweaver runspider: {}\n", e.what());
      return 1;
    }
    auto built = build_project(cached, cached / "build");
    if (!built) return 1;
    executable = *built;
    std::ofstream(built_marker) << executable.string();
  }

  ::setenv(runspider_file_variable, file.c_str(), 1);
  std::vector<std::string> run_args{executable.string(), "runspider", file};
  run_args.insert(run_args.end(), crawl_args.begin(), crawl_args.end());
  hand_over(executable, run_args);
  return 1;
}

}  // namespace orbweaver::launcher
