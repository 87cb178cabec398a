// A run directory: numbered checkpoints, `last` and `best` links, pruning to keep_last.
#pragma once

#include <string>
#include <vector>

#include "blox/io/checkpoint.h"

namespace bx {

/// The files of a run directory, each named here once.
namespace run_files {
std::string config(const std::string& dir);           ///< config.yaml: the run's resolved config
std::string metrics_log(const std::string& dir);      ///< metrics.jsonl: one JSON object per row
std::string metrics_table(const std::string& dir);    ///< metrics.csv: the same rows as a table
std::string last_checkpoint(const std::string& dir);  ///< last.safetensors: a link to the newest
std::string best_checkpoint(const std::string& dir);  ///< best.safetensors: a link to the best
std::string lock(const std::string& dir);             ///< .lock: held by the process writing the run
}  // namespace run_files

/// Saves `checkpoint` as <dir>/ckpt-<step>.safetensors (atomically), then points
/// <dir>/last.safetensors at it (an atomically replaced hard link), then removes the oldest
/// numbered checkpoints beyond `keep_last`. A crash at any point leaves `last` on a complete file.
void save_run_checkpoint(const std::string& dir, const Checkpoint& checkpoint, int64_t keep_last);

/// Points <dir>/best.safetensors at the checkpoint of `step` (kept even when pruned).
void mark_best_checkpoint(const std::string& dir, int64_t step);

/// Throws ConfigError when `dir` already holds a run (checkpoints or a metrics log), so a new
/// run never overwrites or appends to an earlier one; the message says how to continue it or
/// start elsewhere. A missing or empty directory, or one with other files only, is fine.
void require_no_earlier_run(const std::string& dir);

/// Whether `dir` holds a checkpoint (last or a numbered one).
bool holds_checkpoint(const std::string& dir);

/// The checkpoint files --resume may use, best first: FILE itself; or DIR/last.safetensors and
/// then the numbered checkpoints, newest first (the fallbacks when `last` is damaged).
/// Throws CheckpointError when there is none.
std::vector<std::string> resume_candidates(const std::string& dir_or_file);

}  // namespace bx
