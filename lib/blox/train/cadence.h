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

/// "finished", "max_steps", ... (for messages and logs).
const char* stop_reason_name(StopReason reason);

struct CadenceSettings {
  int64_t epochs = 1;
  int64_t max_steps = 0;          ///< 0: no limit
  int64_t eval_every_epochs = 1;  ///< 0: only after the last epoch
  int64_t eval_every_steps = 0;   ///< 0: off
  int64_t log_every_steps = 50;   ///< 0: off
  int64_t save_every_epochs = 1;  ///< 0: only after the last epoch
  int64_t save_every_steps = 0;   ///< 0: off
};

/// A point between steps.
struct Moment {
  int64_t step = 0;    ///< updates done
  int64_t epoch = 0;   ///< the epoch being trained, 0-based
  bool epoch_end = false;
  bool epoch_stepped = true;  ///< the epoch had steps (a run resumed at an epoch's end has none)
  StopSignal signal = StopSignal::none;
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
  bool at_max_steps(int64_t step) const { return s_.max_steps > 0 && step >= s_.max_steps; }
  /// The epoch of `m` is the run's last (by epochs or by max_steps).
  bool last_epoch(const Moment& m) const { return m.epoch + 1 == s_.epochs || at_max_steps(m.step); }

  Due due(const Moment& m) const;
  /// Why the run stops once `m` is served; `early_stopped`: the evaluation at `m` said so.
  StopReason stop_after(const Moment& m, bool early_stopped) const;

 private:
  CadenceSettings s_;
};

}  // namespace bx
