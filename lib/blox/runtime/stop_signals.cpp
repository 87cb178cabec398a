#include "blox/runtime/stop_signals.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace bx {
namespace {

std::atomic<int> g_stop_signal{0};

void on_signal(int signal) {
  if (signal == SIGINT && g_stop_signal.load() == SIGINT) _exit(kExitInterrupted);  // second Ctrl-C: now
  g_stop_signal.store(signal);
}

}  // namespace

void install_stop_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGUSR1, on_signal);
}

int pending_stop_signal() { return g_stop_signal.load(); }

void clear_stop_signal() { g_stop_signal.store(0); }

}  // namespace bx
