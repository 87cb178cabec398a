// SIGINT / SIGTERM / SIGUSR1 as requests the training loop polls between steps.
#pragma once

namespace bx {

/// The exit codes of a process stopped by a signal, as a shell reports one ended by it (128 + N);
/// blox exits with them after its clean save (DESIGN's exit codes).
constexpr int kExitInterrupted = 130;  ///< SIGINT
constexpr int kExitTerminated = 143;   ///< SIGTERM

/// Installs the handlers: the first signal is recorded for pending_stop_signal(); a second
/// SIGINT while one is pending exits at once with 130 (files are always replaced atomically,
/// so nothing on disk is left half-written).
void install_stop_handlers();

/// The signal received since the last clear (SIGINT, SIGTERM, SIGUSR1), or 0.
int pending_stop_signal();

/// Forgets a handled signal (after SIGUSR1's save-and-continue).
void clear_stop_signal();

}  // namespace bx
