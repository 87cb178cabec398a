// Params that belong to the run rather than to the model: the Rng's seed and counter (dropout
// follows each run's own seed) and a text model's vocabulary (the one its run encodes with).
// Fine-tuning never copies them; a PyTorch state dict has no place for them.
#pragma once

#include "blox/core/params.h"

namespace bx {

inline bool is_run_state(const Param& p) {
  const auto tag = p.meta.find("tag");
  return tag != p.meta.end() && (tag->second == "rng_seed" || tag->second == "rng_counter" || tag->second == "vocabulary");
}

}  // namespace bx
