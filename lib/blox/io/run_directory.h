// A run directory: numbered checkpoints, `last` and `best` links, pruning to keep_last.
#pragma once

#include <string>
#include <vector>

#include "blox/io/checkpoint.h"

namespace bx {

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
