// Cadence: when a run evaluates, records, saves and stops, as a pure function of where it stands
// (Marian's keepGoing / validating / saving split). The trainer asks it at every point between
// steps; its rules are the ones the README and configs/README.md state:
//
// - A point is mid-epoch (after a step that did not use up the epoch's data) or an epoch end
//   (the data is used up, or train.max_steps is reached, which ends the last epoch early).
// - Mid-epoch: evaluate every eval_every_steps steps, record a metrics row every
//   log_every_steps steps, save every checkpoint.every_steps steps.
// - Epoch end: always record a row; evaluate after the last epoch, every eval_every_epochs
//   epochs, and when the epoch's last step falls on eval_every_steps; save after the last
//   epoch, every checkpoint.every_epochs epochs, and when the last step falls on every_steps.
// - A pending SIGUSR1 adds a save and goes on. SIGINT / SIGTERM save and stop; mid-epoch they
//   stop before any evaluation, at an epoch end after the epoch's evaluation and row.
// - Evaluations that improve keep_best, and an early stop, add a save (the trainer knows those
//   only after evaluating).
// - Why a run stops, first match wins: a stop signal, early stopping, max_steps, the last epoch.
#pragma once

#include <cstdint>
#include <string>

#include "blox/config/run_config.h"

namespace bx {

enum class StopSignal { none, interrupt, terminate, save_and_continue };  ///< SIGINT, SIGTERM, SIGUSR1

enum class StopReason {
  none,            ///< the run goes on
  finished,        ///< the last epoch is done
  max_steps,       ///< train.max_steps updates are done
  early_stopping,  ///< the watched metric stopped improving
  interrupted,     ///< SIGINT, after a checkpoint
  terminated,      ///< SIGTERM, after a checkpoint
};

/// The process's exit code after a run (or a sweep) stopped for `reason`: 130 / 143 for a signal
/// (runtime/stop_signals.h), else 0.
int exit_code(StopReason reason);

/// "finished", "max_steps", ... (for messages and logs).
const char* stop_reason_name(StopReason reason);

/// What the cadence reads, as the config declares it (config/run_config.h): train's epochs,
/// max_steps, eval_every_epochs, eval_every_steps and log_every_steps; checkpoint's every_epochs
/// and every_steps (0: off; eval / save every 0 epochs: only after the last).
struct CadenceSettings {
  TrainConfig train;
  CheckpointConfig checkpoint;
};

/// A point between steps.
struct Moment {
  int64_t step = 0;    ///< updates done
  int64_t epoch = 0;   ///< the epoch being trained, 0-based
  bool epoch_end = false;
  bool epoch_stepped = true;  ///< the epoch had steps (a run resumed at an epoch's end has none)
  StopSignal signal = StopSignal::none;

  /// After step `step` of epoch `epoch`, with data left in the epoch.
  static Moment mid_epoch(int64_t step, int64_t epoch, StopSignal signal = StopSignal::none) {
    return {step, epoch, false, true, signal};
  }
  /// The end of epoch `epoch` at step `step`; `stepped`: the epoch had steps (a run resumed at
  /// an epoch's end has none).
  static Moment end_of_epoch(int64_t step, int64_t epoch, bool stepped = true, StopSignal signal = StopSignal::none) {
    return {step, epoch, true, stepped, signal};
  }
};

/// What a point calls for.
struct Due {
  bool evaluate = false;
  bool record = false;  ///< a metrics row (a point that evaluates records one whatever this says)
  bool save = false;

  bool operator==(const Due& other) const {
    return evaluate == other.evaluate && record == other.record && save == other.save;
  }
};

class Cadence {
 public:
  explicit Cadence(CadenceSettings settings) : s_(settings) {}

  /// train.max_steps is reached: the step loop ends the epoch here.
  bool at_max_steps(int64_t step) const { return s_.train.max_steps > 0 && step >= s_.train.max_steps; }
  /// The epoch of `m` is the run's last (by epochs or by max_steps).
  bool last_epoch(const Moment& m) const { return m.epoch + 1 == s_.train.epochs || at_max_steps(m.step); }

  Due due(const Moment& m) const;
  /// Why the run stops once `m` is served; `early_stopped`: the evaluation at `m` said so.
  StopReason stop_after(const Moment& m, bool early_stopped) const;

 private:
  CadenceSettings s_;
};

}  // namespace bx
