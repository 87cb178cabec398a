// The child processes of `blox sweep --jobs J`: one `blox train` per trial, its output in a log
// file, SIGINT / SIGTERM / SIGUSR1 to the sweep forwarded to each child once.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace bx {

/// A child that ended: its id (as given to start) and exit code (128 + signal when killed).
struct EndedProcess {
  int id = 0;
  int exit_code = 0;
};

class SweepProcesses {
 public:
  SweepProcesses() = default;
  SweepProcesses(const SweepProcesses&) = delete;
  SweepProcesses& operator=(const SweepProcesses&) = delete;
  /// Waits for the children still running (after forwarding a pending stop to them).
  ~SweepProcesses();

  /// Runs this program (/proc/self/exe: blox) with `arguments` (argv without argv[0]), stdout
  /// and stderr appended to `log_file`, in its own process group so a terminal's Ctrl-C reaches
  /// it once, through forward_stop(). Throws Error when it cannot start.
  void start(int id, const std::vector<std::string>& arguments, const std::string& log_file);

  size_t running() const { return children_.size(); }

  /// Waits until a child ends. Meanwhile a stop signal the sweep receives (stop_signals.h) is
  /// passed on to every running child: SIGINT / SIGTERM once (each child then saves and exits
  /// 130 / 143), SIGUSR1 each time (each saves and goes on).
  EndedProcess wait_any();

 private:
  /// Passes a pending stop signal on to the children (see wait_any).
  void forward_stop();

  std::map<pid_t, int> children_;  ///< pid -> id
  int forwarded_ = 0;              ///< SIGINT / SIGTERM, once passed on
};

}  // namespace bx
