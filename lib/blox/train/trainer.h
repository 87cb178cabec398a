// The training loop of `blox train`: when to step, evaluate, checkpoint and stop.
#pragma once

#include <string>

#include "blox/config/model_builder.h"
#include "blox/train/cadence.h"
#include "blox/metrics/evaluation.h"

namespace bx {

/// Command-line choices that override or complement the config.
struct TrainOptions {
  std::string resume;     ///< a run directory or checkpoint file; "": start fresh
  bool quiet = false;     ///< no progress lines
  bool terminal = false;  ///< stdout is a terminal: one live progress line instead of log lines
  int columns = 0;        ///< the terminal's width (0: unknown)
};

struct TrainOutcome {
  StopReason reason = StopReason::finished;  ///< why the run stopped
  int64_t steps = 0;
  Metrics metrics;    ///< the last evaluation
};

/// The run directory `resume` (a run directory or a checkpoint file) continues: the directory
/// itself, or the file's folder. ConfigError (bad usage: exit 2) when `resume` does not exist.
std::string resume_run_directory(const std::string& resume);

/// Trains `prepared` (see prepare_run). The run directory (checkpoint.dir, relative to the
/// working directory) receives config.yaml, metrics.jsonl, metrics.csv and checkpoints; a new
/// run into a directory holding an earlier one is a ConfigError (nothing is written); with
/// `resume`, the run continues exactly where the checkpoint stopped (same batches, dropout
/// masks, optimizer state and best-metric memory: bitwise-equal final params, at the same
/// thread count), and metrics rows after that checkpoint's step are dropped; config.yaml then
/// holds the resumed run's config. A resume writes only into the directory it resumes: a
/// checkpoint.dir that is not resume_run_directory(resume) is a ConfigError (nothing written).
/// Evaluations run every `eval_every_epochs` epochs, every `eval_every_steps` steps and after
/// the last epoch; one that improves `keep_best` saves a checkpoint (if none was saved at that
/// step) and points best.safetensors at it. Stop requests (install_stop_handlers) are served
/// between steps with a checkpoint. Throws Error when the loss becomes NaN or infinite, naming
/// the step; the last good checkpoint is kept.
TrainOutcome train(const PreparedRun& prepared, const TrainOptions& options);

}  // namespace bx
