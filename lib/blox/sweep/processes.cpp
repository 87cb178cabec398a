// fork + exec of /proc/self/exe: between the two the child only calls async-signal-safe
// functions (the process may hold libtorch's threads), everything it needs built before fork.
#include "blox/sweep/processes.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/runtime/stop_signals.h"

namespace bx {
namespace {

[[noreturn]] void exec_child(const std::vector<char*>& argv, int log) {
  ::setpgid(0, 0);                     // the terminal's signals reach the sweep, which passes them on once
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a sweep that dies stops its trials (they save first)
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) std::signal(s, SIG_DFL);
  ::dup2(log, STDOUT_FILENO);
  ::dup2(log, STDERR_FILENO);
  ::execv("/proc/self/exe", argv.data());
  const char message[] = "blox sweep: cannot start blox train\n";
  (void)!::write(STDERR_FILENO, message, sizeof message - 1);
  ::_exit(127);
}

}  // namespace

SweepProcesses::~SweepProcesses() {
  while (!children_.empty()) {
    if (forwarded_ == 0) {
      for (const auto& child : children_) ::kill(child.first, SIGTERM);  // an error unwinds the sweep: they save
      forwarded_ = SIGTERM;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0 && errno != EINTR) break;
    children_.erase(pid);
  }
}

void SweepProcesses::start(int id, const std::vector<std::string>& arguments, const std::string& log_file) {
  const int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) throw Error(fmt::format("{}: cannot open for the trial's output: {}", log_file, std::strerror(errno)));
  std::vector<std::string> all{"blox"};
  all.insert(all.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(argv, log);  // dup2 clears O_CLOEXEC on the copies
  const int error = errno;
  ::close(log);
  if (pid < 0) throw Error(fmt::format("blox sweep: cannot start a trial's process: {}", std::strerror(error)));
  children_[pid] = id;
}

void SweepProcesses::forward_stop() {
  const int signal = pending_stop_signal();
  if (signal == SIGUSR1) {
    for (const auto& child : children_) ::kill(child.first, SIGUSR1);
    clear_stop_signal();
  } else if (signal != 0 && forwarded_ == 0) {
    for (const auto& child : children_) ::kill(child.first, signal);
    forwarded_ = signal;
  }
}

EndedProcess SweepProcesses::wait_any() {
  if (children_.empty()) throw Error("blox sweep: no trial process to wait for");
  for (;;) {
    forward_stop();
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) throw Error(fmt::format("blox sweep: waiting for the trials' processes: {}", std::strerror(errno)));
    const auto child = children_.find(pid);
    if (pid == 0 || child == children_.end()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // signals are polled, as the trainer does
      continue;
    }
    const int id = child->second;
    children_.erase(child);
    return {id, WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status)};
  }
}

}  // namespace bx
