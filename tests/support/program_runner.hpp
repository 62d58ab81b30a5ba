#pragma once
// Runs a program as a user would from a shell, with standard input from a pipe-like file (not a
// terminal) and standard output and error captured.
#include <filesystem>
#include <string>
#include <vector>

namespace orbweaver::testing {

struct program_result {
  int status = -1;  // the exit status, or 128 + the signal that ended it
  std::string out, err;
};

// Runs `program` (a path, or a bare name looked up on PATH) with `args` (argv[0] excluded) in
// `dir`, `input` on its standard input. Input and output go through files in `dir`, removed after.
program_result run_program(const std::filesystem::path& program, std::vector<std::string> args,
                           const std::filesystem::path& dir, const std::string& input = {});

// Starts `program` as run_program does without waiting for it: standard input empty, standard
// output and error into `dir`/.test-stdout and .test-stderr. Returns its pid, -1 when it could not
// start; wait_for_exit ends it.
int start_program(const std::filesystem::path& program, std::vector<std::string> args, const std::filesystem::path& dir);

// A program started on a new pseudo-terminal, as in a person's shell: `terminal` is the
// controlling side, to read what it shows and write what is typed.
struct terminal_program {
  int pid = -1;
  int terminal = -1;
};
// Starts `program` with `args` (argv[0] excluded) in `dir` on a terminal `columns` wide;
// `environment` is all it gets. pid is -1 when it could not start.
terminal_program start_in_terminal(const std::filesystem::path& program, std::vector<std::string> args,
                                   std::vector<std::string> environment, const std::filesystem::path& dir,
                                   unsigned short columns);

// Waits for a child process to end: its exit status, or 128 + the signal that ended it.
int wait_for_exit(int pid);

}  // namespace orbweaver::testing
