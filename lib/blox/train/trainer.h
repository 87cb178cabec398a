// The training loop of `blox train`: when to step, evaluate, checkpoint and stop.
#pragma once

#include <string>

#include "blox/config/model_builder.h"
#include "blox/train/metrics.h"

namespace bx {

/// Command-line choices that override or complement the config.
struct TrainOptions {
  std::string resume;  ///< a run directory or checkpoint file; "": start fresh
  bool quiet = false;  ///< no progress lines
};

struct TrainOutcome {
  int exit_code = 0;  ///< 0 done; 130 / 143 stopped by SIGINT / SIGTERM after a clean save
  int64_t steps = 0;
  Metrics metrics;    ///< the last evaluation
};

/// Trains `prepared` (see prepare_run). The run directory (checkpoint.dir, relative to the
/// working directory) receives config.yaml, metrics.jsonl, metrics.csv and checkpoints; with
/// `resume`, the run continues exactly where the checkpoint stopped (same batches, dropout
/// masks and optimizer state: bitwise-equal final params, at the same thread count).
/// Throws Error when the loss becomes NaN or infinite, naming the step; the last good
/// checkpoint is kept.
TrainOutcome train(const PreparedRun& prepared, const TrainOptions& options);

/// Installs the SIGINT / SIGTERM / SIGUSR1 handlers `train` polls between steps: the first
/// signal asks for a checkpoint and exit; a second SIGINT exits at once (files are always
/// replaced atomically, so nothing on disk is left half-written).
void install_stop_handlers();

}  // namespace bx
