// Running the blox binary (or any shell command) from a test and capturing what it printed.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <doctest/doctest.h>

#include "support/files.h"

namespace bx::test {

struct CommandResult {
  int exit_code;
  std::string output;  ///< stdout and stderr together
};

inline CommandResult run_command(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

/// `blox ARGS` run in `dir` (the current directory when empty), one BLAS thread.
inline CommandResult run_blox(const std::string& args, const std::string& dir = "") {
  const std::string cd = dir.empty() ? "" : "cd '" + dir + "' && ";
  return run_command(cd + "OPENBLAS_NUM_THREADS=1 '" + blox_binary() + "' " + args);
}

}  // namespace bx::test
