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

// Runs `program` with `args` (argv[0] excluded) in `dir`, `input` on its standard input. Its
// output goes through files in `dir` (stdin, stdout, stderr), overwritten on each run.
program_result run_program(const std::filesystem::path& program, std::vector<std::string> args,
                           const std::filesystem::path& dir, const std::string& input = {});

}  // namespace orbweaver::testing
