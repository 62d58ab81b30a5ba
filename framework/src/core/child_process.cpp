#include "core/child_process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace orbweaver {
namespace {

// In the child between fork and exec: only async-signal-safe calls. A failure goes back to the
// parent as an errno through `report` (close-on-exec: a successful exec closes it unwritten).
[[noreturn]] void become(const char* program, char* const* argv, char* const* envp, const char* output, int report,
                         pid_t parent) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  // The parent may have died before the line above: then nothing would signal us.
  if (::getppid() != parent) ::_exit(1);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int signo : {SIGINT, SIGTERM, SIGCHLD, SIGPIPE}) ::signal(signo, SIG_DFL);
  const int input = ::open("/dev/null", O_RDONLY);
  if (input >= 0) ::dup2(input, STDIN_FILENO);
  if (*output) {
    const int fd = ::open(output, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
  }
  ::execve(program, argv, envp);
  const int error = errno;
  [[maybe_unused]] auto written = ::write(report, &error, sizeof error);
  ::_exit(127);
}

}  // namespace

int spawn_child(const std::filesystem::path& program, const std::vector<std::string>& args,
                const child_options& options) {
  const std::string program_text = program.string();
  const std::string output = options.output.string();
  std::vector<char*> argv{const_cast<char*>(program_text.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // Built before fork: the child may only make async-signal-safe calls.
  std::vector<std::string> environment = options.environment;
  for (char** entry = environ; *entry; ++entry) {
    const std::string_view text = *entry;
    const auto name = text.substr(0, text.find('=') + 1);
    if (std::ranges::none_of(options.environment, [&](const std::string& e) { return e.starts_with(name); }))
      environment.emplace_back(text);
  }
  std::vector<char*> envp;
  for (auto& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);

  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(fmt::format("cannot start {}: {}", program_text, std::strerror(errno)));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) become(program_text.c_str(), argv.data(), envp.data(), output.c_str(), report[1], parent);
  const int fork_error = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    throw std::runtime_error(fmt::format("cannot start {}: {}", program_text, std::strerror(fork_error)));
  }
  int exec_error = 0;
  ssize_t got;
  while ((got = ::read(report[0], &exec_error, sizeof exec_error)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (got == sizeof exec_error) {
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error(fmt::format("cannot run {}: {}", program_text, std::strerror(exec_error)));
  }
  return pid;
}

std::string signal_name(int signo) {
  const char* name = sigabbrev_np(signo);
  return name ? fmt::format("SIG{}", name) : fmt::format("signal {}", signo);
}

std::string child_exit::describe() const {
  if (signal == 0) return fmt::format("exited with status {}", status);
  return "was killed by " + signal_name(signal);
}

child_exit exit_of(int wait_status) {
  if (WIFSIGNALED(wait_status)) return {.status = 0, .signal = WTERMSIG(wait_status)};
  return {.status = WEXITSTATUS(wait_status), .signal = 0};
}

std::optional<child_exit> poll_child(int pid) {
  int wait_status = 0;
  pid_t reaped;
  while ((reaped = ::waitpid(pid, &wait_status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (reaped != pid) return std::nullopt;
  return exit_of(wait_status);
}

child_exit wait_child(int pid, std::chrono::milliseconds grace) {
  const auto give_up = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < give_up) {
    if (auto ended = poll_child(pid)) return *ended;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  return exit_of(wait_status);
}

std::filesystem::path find_program(const std::string& name, const std::vector<std::filesystem::path>& fallbacks) {
  if (const char* path = std::getenv("PATH")) {
    std::stringstream folders(path);
    for (std::string folder; std::getline(folders, folder, ':');)
      if (!folder.empty() && ::access((std::filesystem::path(folder) / name).c_str(), X_OK) == 0)
        return std::filesystem::path(folder) / name;
  }
  for (const auto& folder : fallbacks)
    if (::access((folder / name).c_str(), X_OK) == 0) return folder / name;
  return {};
}

}  // namespace orbweaver
