#include "blox/train/cadence.h"

#include "blox/runtime/stop_signals.h"

namespace bx {
namespace {

bool every(int64_t count, int64_t period) { return period > 0 && count % period == 0; }

}  // namespace

int exit_code(StopReason reason) {
  if (reason == StopReason::interrupted) return kExitInterrupted;
  if (reason == StopReason::terminated) return kExitTerminated;
  return 0;
}

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::none:
      return "none";
    case StopReason::finished:
      return "finished";
    case StopReason::max_steps:
      return "max_steps";
    case StopReason::early_stopping:
      return "early_stopping";
    case StopReason::interrupted:
      return "interrupted";
    case StopReason::terminated:
      return "terminated";
  }
  return "none";
}

Due Cadence::due(const Moment& m) const {
  const bool stopping_signal = m.signal == StopSignal::interrupt || m.signal == StopSignal::terminate;
  if (!m.epoch_end) {
    if (stopping_signal) return {false, false, true};  // save and stop before anything else
    return {every(m.step, s_.train.eval_every_steps), every(m.step, s_.train.log_every_steps),
            every(m.step, s_.checkpoint.every_steps) || m.signal == StopSignal::save_and_continue};
  }
  const bool last = last_epoch(m);
  const int64_t epochs_done = m.epoch + 1;
  // Step cadences that fall on the epoch's last step are served here, if the epoch had steps.
  auto on_step = [&](int64_t period) { return m.epoch_stepped && every(m.step, period); };
  return {last || every(epochs_done, s_.train.eval_every_epochs) || on_step(s_.train.eval_every_steps), true,
          last || m.signal != StopSignal::none || every(epochs_done, s_.checkpoint.every_epochs) ||
              on_step(s_.checkpoint.every_steps)};
}

StopReason Cadence::stop_after(const Moment& m, bool early_stopped) const {
  if (m.signal == StopSignal::interrupt) return StopReason::interrupted;
  if (m.signal == StopSignal::terminate) return StopReason::terminated;
  if (early_stopped) return StopReason::early_stopping;
  if (!m.epoch_end) return StopReason::none;
  if (at_max_steps(m.step)) return StopReason::max_steps;
  if (m.epoch + 1 >= s_.train.epochs) return StopReason::finished;
  return StopReason::none;
}

}  // namespace bx
