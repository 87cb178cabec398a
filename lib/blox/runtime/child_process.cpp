#include "blox/runtime/child_process.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

extern char** environ;

namespace bx {
namespace {

// "NAME=value" entries: the inherited environment less the names `spec` sets, then those.
std::vector<std::string> child_environment(const ChildSpec& spec) {
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const std::string name = text.substr(0, text.find('='));
    bool replaced = false;
    for (const auto& [key, value] : spec.environment) replaced = replaced || key == name;
    if (!replaced) out.push_back(text);
  }
  for (const auto& [key, value] : spec.environment) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

pid_t start_child(const ChildSpec& spec, const std::string& what) {
  std::vector<std::string> arguments = spec.argv;
  std::vector<std::string> environment = child_environment(spec);
  const std::vector<char*> argv = pointers(arguments);
  const std::vector<char*> envp = pointers(environment);
  const std::string failure = fmt::format("blox: cannot start {}\n", what);
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // The child: async-signal-safe calls only from here on.
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) ::sigaction(s, &default_action, nullptr);
  if (spec.output_fd >= 0) {
    ::dup2(spec.output_fd, STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copies
    ::dup2(spec.output_fd, STDERR_FILENO);
  }
  ::execve("/proc/self/exe", argv.data(), envp.data());
  (void)!::write(STDERR_FILENO, failure.data(), failure.size());
  ::_exit(127);
}

int exit_code_of_status(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int s = WTERMSIG(status);
    return fmt::format("was killed by signal {} ({})", s, strsignal(s));
  }
  return fmt::format("exited with code {}", WEXITSTATUS(status));
}

}  // namespace bx
