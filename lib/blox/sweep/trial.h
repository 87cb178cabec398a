// A sweep trial's directory, read back: whether the trial is done (its trial.json), was
// interrupted (a run without it) or never started, and its metric from metrics.jsonl. The
// directory is the whole truth, so a re-run of the sweep skips, resumes or starts each trial
// from what is on disk, whoever trained it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bx {

enum class TrialStatus {
  pending,      ///< not started
  interrupted,  ///< started (its config.yaml is written), not done: a re-run resumes it
  finished,     ///< trained to its end (epochs, max_steps or early stopping)
  failed,       ///< stopped by an error (a NaN loss, a damaged checkpoint): a re-run skips it
};

/// "pending", "interrupted", "finished", "failed".
const char* trial_status_name(TrialStatus status);

struct TrialState {
  TrialStatus status = TrialStatus::pending;
  std::string error;  ///< failed: why
};

/// DIR/trial.json, the mark of a trial that is done.
std::string trial_mark_path(const std::string& dir);

/// Finished or failed as DIR/trial.json says; else interrupted when DIR holds the config.yaml
/// training writes first; else pending. DataError naming trial.json when it is not one.
TrialState read_trial_state(const std::string& dir);

/// Writes DIR/trial.json (atomically): `status` (finished or failed) and, failed, `error`.
void mark_trial_done(const std::string& dir, TrialStatus status, const std::string& error = "");

/// A trial's progress and its evaluations of one metric, from its metrics.jsonl and checkpoint
/// names (all zero / empty without them).
struct TrialScore {
  int64_t steps = 0;          ///< the last row's or the newest checkpoint's step, the later
  std::optional<double> best;  ///< the best value (direction: lower_is_better)
  int64_t best_step = 0;      ///< the first step that reached it
  std::optional<double> last;  ///< the last value
};

TrialScore read_trial_score(const std::string& dir, const std::string& metric);

}  // namespace bx
