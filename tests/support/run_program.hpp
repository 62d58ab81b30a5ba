#pragma once
// Runs a program as a user would from a shell, and keeps what it wrote.
#include <filesystem>
#include <string>
#include <vector>

namespace orbweaver::testing {

struct program_result {
  int status = -1;  // the exit status; 128 + the signal when one killed it; -1 when it did not start
  std::string out, err;
};

// Runs args[0] (a path, or a bare name looked up on PATH) with the other arguments, in `cwd`,
// with this process's environment; standard output and error go to temporary files, read back.
program_result run_program(std::vector<std::string> args, const std::filesystem::path& cwd);

}  // namespace orbweaver::testing
