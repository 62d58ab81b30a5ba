#pragma once
// Child processes that a launcher supervises (the private redis-server, crawl workers): each in a
// process group of its own, so that Ctrl-C in a terminal reaches the launcher alone, which then
// decides what each child gets; and each ends (SIGTERM) when the launcher dies, even by SIGKILL.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace orbweaver {

struct child_options {
  // Standard output and error go to this file (appended); empty: the parent's.
  std::filesystem::path output{};
  // NAME=VALUE entries that replace or add to the parent's environment.
  std::vector<std::string> environment{};
};

// Starts `program` (a path) with `args` (argv[0] excluded), standard input from /dev/null, every
// signal unblocked and at its default. Returns its pid; throws std::runtime_error naming the
// program and the cause when it cannot run (not found, not executable).
int spawn_child(const std::filesystem::path& program, const std::vector<std::string>& args,
                const child_options& options = {});

// How a child ended, as waitpid reports it.
struct child_exit {
  int status = 0;  // the exit status, when not killed by a signal
  int signal = 0;  // the signal that killed it, 0 when it exited
  // "exited with status 0", "was killed by SIGKILL".
  std::string describe() const;
};
child_exit exit_of(int wait_status);

// "SIGTERM", or the number of a signal without a name.
std::string signal_name(int signo);

// The child's end when it has ended (reaped), nothing while it runs.
std::optional<child_exit> poll_child(int pid);
// Waits for the child to end: after `grace` it gets SIGKILL.
child_exit wait_child(int pid, std::chrono::milliseconds grace);

// `name` found in PATH, then in each of `fallbacks`; empty when nowhere.
std::filesystem::path find_program(const std::string& name, const std::vector<std::filesystem::path>& fallbacks = {});

}  // namespace orbweaver
