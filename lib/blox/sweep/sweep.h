// `blox sweep`: every trial of a grid checked up front, then trained one after another in this
// process (or J at a time as `blox train` children), each in its own run directory under the
// sweep's; the ranked summary rewritten after each trial. A re-run skips what is done and
// resumes what was interrupted.
#pragma once

#include <string>
#include <vector>

#include "blox/train/cadence.h"
#include "blox/sweep/definition.h"

namespace bx {

struct SweepOptions {
  std::string dir;     ///< the sweep's directory; "": the config's checkpoint.dir + "-sweep"
  std::string metric;  ///< ranks the trials; "": the config's checkpoint.keep_best, else its first metric
  /// --set overrides that steer how trials run, not what they train (device, threads): not part
  /// of the sweep's definition, so a re-run may change them.
  std::vector<std::string> run_settings;
  int jobs = 1;          ///< trials at once; above 1 each is a `blox train` child process
  int threads = 0;       ///< per trial; 0: the config's (one job), else the cores shared out
  bool dry_run = false;  ///< check every trial, print the summary as it stands, write nothing (outcome: finished)
  bool quiet = false;    ///< no training progress lines (the sweep's own lines stay)
  bool terminal = false;  ///< stdout is a terminal (one live progress line)
  int columns = 0;       ///< its width
};

struct SweepOutcome {
  StopReason stop = StopReason::finished;  ///< interrupted / terminated: a signal stopped the sweep
  int failed = 0;                          ///< trials that failed (their errors are in the summary)
  int unfinished = 0;                      ///< trials neither finished nor failed
};

/// The sweep process's exit code: a signal's stop as train's (130 / 143, after the trial's
/// checkpoint); a failed or unfinished trial a runtime failure (1, said on stderr); else 0.
int exit_code(const SweepOutcome& outcome);

/// Runs the sweep. Before anything is trained or written, every trial's config is prepared
/// (prepare_run with the shared --set, the trial's values and its checkpoint.dir), the metric is
/// checked against each trial's metrics and evaluation data, an interrupted trial's config
/// against the one it started with (resume_changes.h), and DIR/sweep.json against this sweep
/// (definition.h): any problem is one ConfigError listing them. Then, under a lock on DIR,
/// each trial not done is trained (resumed when interrupted); finished and failed ones get
/// DIR/<trial>/trial.json, and DIR/sweep.jsonl / sweep.csv are rewritten after each. A stop
/// signal ends the trial being trained with its checkpoint and starts no other. A ConfigError or
/// DataError from a trial's training stops the sweep (after the summary) and is rethrown; any
/// other error fails that trial only. Prints a line per trial and the ranked table.
SweepOutcome run_sweep(const SweepDefinition& definition, const SweepOptions& options);

}  // namespace bx
