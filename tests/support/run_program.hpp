#pragma once
// Runs a program as a user's shell would, and what it printed.
#include <filesystem>
#include <string>
#include <vector>

namespace orbweaver::testing {

struct run_result {
  int status = -1;  // the exit status; 128 + the signal when one killed it
  std::string out, err;
};

// Runs `args` (a program and its arguments; a bare name is looked up on PATH) in `cwd`, with this
// process's environment, and waits for it. Its output goes through two files in `cwd`, removed after.
run_result run_program(const std::filesystem::path& cwd, std::vector<std::string> args);

}  // namespace orbweaver::testing
