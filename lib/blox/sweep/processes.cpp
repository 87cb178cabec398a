// The trials' processes start through runtime/child_process (fork + exec, signal-safe between).
#include "blox/sweep/processes.h"

#include <fcntl.h>
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
#include "blox/runtime/child_process.h"
#include "blox/runtime/stop_signals.h"

namespace bx {

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
  ChildSpec trial;
  trial.argv = {"blox"};
  trial.argv.insert(trial.argv.end(), arguments.begin(), arguments.end());
  trial.output_fd = log;
  const pid_t pid = start_child(trial, "blox train");
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
    return {id, exit_code_of_status(status)};
  }
}

}  // namespace bx
