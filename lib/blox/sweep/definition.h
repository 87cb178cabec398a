// What a sweep is: its config, the --set overrides every trial shares, the grid and the draw.
// Recorded in the sweep directory's sweep.json, so a re-run into that directory continues the
// same sweep and a different one is refused, never mixed in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "blox/sweep/grid.h"

namespace bx {

struct SweepDefinition {
  std::string config;             ///< the config file as given
  std::vector<std::string> sets;  ///< --set overrides, in order
  SweepGrid grid;
  int64_t random = 0;             ///< trials drawn from the grid; 0: every combination
  uint64_t seed = 0;              ///< the draw's (with random only)

  /// The trials, in the order they run: the whole grid, or the `random` drawn with `seed`.
  std::vector<SweepTrial> trials() const;
};

/// DIR/sweep.json.
std::string sweep_record_path(const std::string& dir);

/// Nothing when DIR/sweep.json is absent or records `now` (the config compared as an absolute
/// path; a larger `random` with the same seed and grid is the same sweep extended: its first
/// draws are the trials already run). Else ConfigError naming each difference (stored -> now)
/// and how to start elsewhere; also for a sweep.json that cannot be read.
void require_same_sweep(const std::string& dir, const SweepDefinition& now);

/// Writes DIR/sweep.json atomically (DIR must exist).
void write_sweep_record(const std::string& dir, const SweepDefinition& definition);

}  // namespace bx
