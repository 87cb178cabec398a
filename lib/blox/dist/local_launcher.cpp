#include "blox/dist/local_launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/runtime/child_process.h"

namespace bx {
namespace {

std::vector<pid_t> g_workers;  // read by the forwarding handler
volatile sig_atomic_t g_forwarded = 0;

void forward(int signal) {
  g_forwarded = signal;
  for (pid_t pid : g_workers) {
    if (pid > 0) ::kill(pid, signal);
  }
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    throw DistError(fmt::format("--nproc: no free loopback port for the workers' store: {}", std::strerror(errno)));
  }
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

std::vector<std::string> without_nproc(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--nproc") {
      ++i;  // and its value
      continue;
    }
    if (args[i].rfind("--nproc=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

int launch_local(const std::vector<std::string>& argv, int nproc, int grace_seconds) {
  const int port = free_loopback_port();
  g_workers.assign(static_cast<size_t>(nproc), 0);
  struct sigaction action {};
  action.sa_handler = forward;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) ::sigaction(s, &action, nullptr);
  for (int rank = 0; rank < nproc; ++rank) {
    ChildSpec worker;
    worker.argv = argv;
    worker.environment = {{"RANK", std::to_string(rank)},
                          {"LOCAL_RANK", std::to_string(rank)},
                          {"WORLD_SIZE", std::to_string(nproc)},
                          {"MASTER_ADDR", "127.0.0.1"},
                          {"MASTER_PORT", std::to_string(port)},
                          {"BLOX_LAUNCHER", "nproc"}};
    const pid_t pid = start_child(worker, fmt::format("worker {}", rank));
    if (pid < 0) throw DistError(fmt::format("--nproc: cannot start worker {}: {}", rank, std::strerror(errno)));
    g_workers[static_cast<size_t>(rank)] = pid;
  }

  int running = nproc;
  int result = 0;
  bool failed = false;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, failed ? WNOHANG : 0);
    if (pid < 0 && errno == EINTR) continue;  // a forwarded signal
    if (pid < 0) break;
    if (pid == 0) {  // failing: wait out the grace period, then kill the rest
      if (std::chrono::steady_clock::now() >= deadline) {
        for (pid_t w : g_workers) {
          if (w > 0) ::kill(w, SIGKILL);
        }
        deadline = std::chrono::steady_clock::time_point::max();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    --running;
    int rank = 0;
    for (size_t r = 0; r < g_workers.size(); ++r) {
      if (g_workers[r] == pid) {
        rank = static_cast<int>(r);
        g_workers[r] = 0;
      }
    }
    const int code = exit_code_of_status(status);
    if (code == 0) continue;
    // A stop the launcher forwarded ends every worker with 130 / 143: that is no failure.
    const bool stopped = g_forwarded != 0 && WIFEXITED(status) && (code == 130 || code == 143);
    if (result == 0) result = code;
    if (!stopped && !failed) {
      failed = true;
      std::fprintf(stderr, "blox: worker rank %d of %d (pid %d) %s; stopping the other workers\n", rank, nproc, pid,
                   describe_status(status).c_str());
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
      for (pid_t w : g_workers) {
        if (w > 0) ::kill(w, SIGTERM);
      }
    }
  }
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) std::signal(s, SIG_DFL);
  return result;
}

}  // namespace bx
