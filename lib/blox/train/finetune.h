// Fine-tuning's start: params copied by path from another run's checkpoint.
#pragma once

#include <string>

#include "blox/config/run_config.h"
#include "blox/core/params.h"

namespace bx {

struct FinetuneStart {
  Params params;       ///< the fresh params with every matching checkpoint value copied in
  std::string report;  ///< "init_from FILE: 4 copied, 2 new, ..." and a line per param not copied (no final newline)
};

/// Copies `finetune.init_from`'s params into `fresh` by path (after the rename rules, first
/// matching glob wins) where the shapes agree; params of the model the checkpoint lacks keep
/// their fresh values ("new"), shape mismatches keep theirs ("skipped"); Rng state (seed and
/// counter) is never copied: dropout follows this run's seed. With `strict`, any
/// new, skipped or unused param is a ConfigError. Throws CheckpointError for a bad file.
FinetuneStart init_from_checkpoint(const Params& fresh, const FinetuneConfig& finetune);

}  // namespace bx
