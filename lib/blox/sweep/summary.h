// A sweep's summary: its trials ranked by one metric, as sweep.jsonl / sweep.csv in the sweep
// directory and as the table `blox sweep` prints.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "blox/sweep/grid.h"
#include "blox/sweep/trial.h"

namespace bx {

/// A trial as the summary shows it.
struct TrialResult {
  SweepTrial trial;
  std::string dir;  ///< its run directory
  TrialState state;
  TrialScore score;
};

/// One JSON object per trial (keys in the order below), ranked: the finished trials with a value of `metric`, best value
/// first (its best over the trial's evaluations; ties by trial number), then every other trial
/// by number. Keys: rank (1 = best; null when unranked), trial, dir, status, steps, metric,
/// best, best_step, last (null when the trial has no value), overrides (key -> YAML text), and
/// error for a failed trial.
nlohmann::ordered_json sweep_summary_rows(const std::vector<TrialResult>& results, const std::string& metric);

/// sweep.csv's text: rank,trial,status,steps,best_<metric>,best_step,last_<metric>, one column
/// per grid key, error; empty fields for nulls.
std::string sweep_summary_csv(const nlohmann::ordered_json& rows);

/// The table printed at the end of a sweep: rank, trial, status, steps, best metric and its step,
/// each grid key's value; then a line per failed trial with its error.
std::string sweep_summary_table(const nlohmann::ordered_json& rows);

/// Writes DIR/sweep.jsonl and DIR/sweep.csv, each atomically.
void write_sweep_summary(const std::string& dir, const nlohmann::ordered_json& rows);

}  // namespace bx
