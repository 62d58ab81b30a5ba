#include "project.hpp"

#include "command_line.hpp"

#include <orbweaver/settings.hpp>

#include <fmt/format.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;

namespace orbweaver::launcher {
namespace {

// A project's build: optimised enough for spiders (the framework's own code is in the -O2
// library), quick to compile; docs/performance.md has the measurements behind these flags.
constexpr const char* project_cxx_flags = "-O1 -DNDEBUG";

std::string read_whole_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool on_path(std::string_view program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
  return false;
}

// Runs `args` with standard output and error appended to `log`; returns the exit status (127 when
// it could not start).
int run_logged(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t child = ::fork();
  if (child < 0) return 127;
  if (child == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::execvp(argv[0], argv.data());
    fmt::print(stderr, "cannot run {}: {}\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Holds an exclusive lock on a file beside the build folder: two launchers started at once in one
// project (two crawls, a crawl and a list) build it one after the other, never together.
class build_lock {
 public:
  explicit build_lock(const fs::path& build_dir) {
    std::error_code ec;
    fs::create_directories(build_dir.parent_path(), ec);
    const auto path = build_dir.parent_path() / (build_dir.filename().string() + ".lock");
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return;  // a read-only folder: building will say what is wrong
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    fmt::print(stderr, "orbweaver: waiting for another launcher to finish building {}\n", build_dir.string());
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~build_lock() {
    if (fd_ >= 0) ::close(fd_);
  }
  build_lock(const build_lock&) = delete;
  build_lock& operator=(const build_lock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

const installation& this_installation() {
  static const installation found = [] {
    Dl_info info{};
    ::dladdr(reinterpret_cast<void*>(&this_installation), &info);
    fs::path library_dir = fs::canonical(info.dli_fname).parent_path();
    // The build tree keeps the package files beside the library (export() in CMakeLists.txt).
    if (fs::exists(library_dir / "orbweaverConfig.cmake"))
      return installation{library_dir, fs::path(ORBWEAVER_SOURCE_DIR) / "framework/templates"};
    return installation{library_dir / "cmake/orbweaver",
                        (library_dir / ORBWEAVER_DATA_FROM_LIBRARY / "templates").lexically_normal()};
  }();
  return found;
}

std::optional<fs::path> find_project_root(const fs::path& start) {
  if (auto file = find_project_file(start)) return file->parent_path();
  return std::nullopt;
}

std::optional<fs::path> running_project_file() {
  const char* root = std::getenv(project_root_variable);
  if (!root || !*root) return std::nullopt;
  return fs::path(root) / project_file_name;
}

void apply_project_settings(settings& s) {
  const auto file = running_project_file();
  if (!file) return;
  try {
    load_project_settings(s, *file);
  } catch (const settings_error& e) {
    throw usage_error(e.what());
  }
}

std::string no_project_message() {
  std::error_code ec;
  return fmt::format(
      "no orbweaver project here: there is no {} in {} or its parents.\n"
      "Create a project with \"orbweaver startproject NAME\", or run a single spider file with "
      "\"orbweaver runspider FILE.cpp\".",
      project_file_name, fs::current_path(ec).string());
}

std::optional<fs::path> build_project(const fs::path& source_dir, const fs::path& build_dir) {
  const auto& framework = this_installation();
  build_lock lock(build_dir);
  // A build configured against another orbweaver (an install elsewhere, the in-tree build) is
  // started afresh: its cache points at the other package.
  fs::path package_stamp = build_dir / "orbweaver-package";
  std::error_code ec;
  if (fs::exists(build_dir, ec) && read_whole_file(package_stamp) != framework.package_dir.string())
    fs::remove_all(build_dir, ec);
  fs::create_directories(build_dir, ec);
  if (ec) {
    fmt::print(stderr, "orbweaver: cannot create {}: {}\n", build_dir.string(), ec.message());
    return std::nullopt;
  }
  fs::path log = build_dir / "orbweaver-build.log";
  fs::remove(log, ec);

  auto fail = [&] {
    fmt::print(stderr, "{}", read_whole_file(log));
    return std::nullopt;
  };
  if (!fs::exists(build_dir / "build.ninja")) {
    std::vector<std::string> configure{"cmake", "-S", source_dir.string(), "-B", build_dir.string(), "-G", "Ninja",
                                       "--log-level=WARNING", "-DCMAKE_BUILD_TYPE=Release",
                                       fmt::format("-DCMAKE_CXX_FLAGS_RELEASE={}", project_cxx_flags),
                                       fmt::format("-Dorbweaver_DIR={}", framework.package_dir.string())};
    // lld links a project in a fraction of the time GNU ld takes.
    if (on_path("ld.lld")) configure.push_back("-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld");
    if (run_logged(configure, log) != 0) return fail();
    std::ofstream(package_stamp) << framework.package_dir.string();
  }
  if (run_logged({"cmake", "--build", build_dir.string()}, log) != 0) return fail();

  std::string executable = read_whole_file(build_dir / "orbweaver-executable");
  if (executable.empty()) {
    fmt::print(stderr,
               "orbweaver: {} names no executable for the launcher; its CMakeLists.txt must call "
               "orbweaver_project_executable(TARGET)\n",
               source_dir.string());
    return std::nullopt;
  }
  return fs::path(executable);
}

std::string build_signature() {
  return fmt::format("orbweaver {}; package {}; CXXFLAGS {}", ORBWEAVER_VERSION, this_installation().package_dir.string(),
                     project_cxx_flags);
}

void hand_over(const fs::path& program, std::span<const std::string> args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  ::execv(program.c_str(), argv.data());
  fmt::print(stderr, "orbweaver: cannot run {}: {}\n", program.string(), std::strerror(errno));
}

}  // namespace orbweaver::launcher
