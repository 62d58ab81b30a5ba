#include "program_runner.hpp"

#include "crawl_runner.hpp"

#include <fcntl.h>
#include <pty.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

extern char** environ;

namespace orbweaver::testing {

namespace {

// Standard input from `in_path`, output and error into files in `dir`.
pid_t spawn_with_files(const std::filesystem::path& program, std::vector<std::string> args,
                       const std::filesystem::path& dir, const std::filesystem::path& in_path) {
  args.insert(args.begin(), program.string());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto out_path = dir / ".test-stdout", err_path = dir / ".test-stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

}  // namespace

program_result run_program(const std::filesystem::path& program, std::vector<std::string> args,
                           const std::filesystem::path& dir, const std::string& input) {
  const auto in_path = dir / ".test-stdin", out_path = dir / ".test-stdout", err_path = dir / ".test-stderr";
  std::ofstream(in_path, std::ios::binary) << input;
  program_result result;
  if (pid_t pid = spawn_with_files(program, std::move(args), dir, in_path); pid > 0) result.status = wait_for_exit(pid);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  for (const auto& path : {in_path, out_path, err_path}) std::filesystem::remove(path);
  return result;
}

int start_program(const std::filesystem::path& program, std::vector<std::string> args, const std::filesystem::path& dir) {
  return spawn_with_files(program, std::move(args), dir, "/dev/null");
}

terminal_program start_in_terminal(const std::filesystem::path& program, std::vector<std::string> args,
                                   std::vector<std::string> environment, const std::filesystem::path& dir,
                                   unsigned short columns) {
  args.insert(args.begin(), program.string());
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  winsize size{.ws_row = 24, .ws_col = columns, .ws_xpixel = 0, .ws_ypixel = 0};
  terminal_program started;
  // The test servers' threads run in this process: between fork and exec only async-signal-safe calls.
  pid_t pid = forkpty(&started.terminal, nullptr, nullptr, &size);
  if (pid == 0) {
    if (chdir(dir.c_str()) == 0) execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  started.pid = pid;
  return started;
}

int wait_for_exit(int pid) {
  int wait_status = 0;
  waitpid(pid, &wait_status, 0);
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

}  // namespace orbweaver::testing
