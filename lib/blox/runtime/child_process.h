// Child processes of blox itself (the --nproc workers, the trials of blox sweep --jobs): this
// program started again with other arguments, in its own process group, ended with its parent.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace bx {

struct ChildSpec {
  std::vector<std::string> argv;  ///< argv[0] first (what the child sees as its name)
  /// Set in the child's environment (replacing an inherited value of the same name).
  std::vector<std::pair<std::string, std::string>> environment;
  int output_fd = -1;  ///< the child's stdout and stderr; -1: this process's
};

/// Forks and runs this program (/proc/self/exe) as `spec` says. The child gets a process group
/// of its own (so a terminal's Ctrl-C reaches the parent, which passes it on once), SIGTERM when
/// the parent dies, and default SIGINT / SIGTERM / SIGUSR1 handlers. Everything the child needs
/// is built before fork; between fork and exec it calls async-signal-safe functions only (the
/// parent may hold libtorch's threads and their locks). When exec fails the child writes
/// "blox: cannot start <what>" to its stderr and exits 127. Returns the child's pid, or -1 with
/// errno set when fork fails.
pid_t start_child(const ChildSpec& spec, const std::string& what);

/// A waited-for status as a shell reports it: the exit code, or 128 + the signal that killed it.
int exit_code_of_status(int status);

/// "exited with code N" or "was killed by signal N (Killed)".
std::string describe_status(int status);

}  // namespace bx
