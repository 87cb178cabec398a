// Fine-tuning's start: params copied by path from another run's checkpoint, or converted from a
// PyTorch state dict.
#pragma once

#include <optional>
#include <string>

#include "blox/config/run_config.h"
#include "blox/core/params.h"
#include "blox/data/text.h"

namespace bx {

struct FinetuneStart {
  Params params;       ///< the fresh params with every matching checkpoint value copied in
  std::string report;  ///< "init_from FILE: 4 copied, 2 new, ..." and a line per param not copied (no final newline)
  int64_t copied = 0;  ///< params that took a value from the file
  bool ema = false;    ///< the values are the checkpoint's EMA weights (train.ema)
};

/// Copies `finetune.init_from`'s tensors into `fresh` where the shapes agree. The file is a blox
/// checkpoint or a safetensors file another framework wrote. With layout blox its keys are param
/// paths, renamed as a whole (first matching rule). With layout pytorch a key is a module and a
/// tensor ("features.0.weight"); the module, '.' read as '/', is renamed onto a layer's node
/// (unmatched: model/<module>) and each of that layer's params is made from the module's
/// tensors by pytorch_layout.h's conversion; num_batches_tracked is ignored.
/// Params of the model the file lacks keep their fresh values ("new"), shape mismatches keep
/// theirs ("skipped"), the file's keys nothing took are "unused"; the report names the file's
/// keys where they differ from the path. Rng state and the text vocabulary belong to the run
/// and are never copied. A blox checkpoint with averages (train.ema) gives its EMA weights, as
/// evaluation would (`use_ema` false: its raw params); its ema/ tensors themselves are neither
/// copied nor counted unused: a new run's EMA starts from the params it starts with. Throws
/// ConfigError naming the file: with `strict`, for any new, skipped or unused param (listed); for
/// two keys renamed onto one path; for a PyTorch tensor that cannot be converted; for layout
/// pytorch on a blox checkpoint; for a torch.save pickle. CheckpointError for a damaged file.
FinetuneStart init_from_checkpoint(const Params& fresh, const FinetuneConfig& finetune, bool use_ema = true);

/// The params a new run starts from: the model's fresh params with the text vocabulary stored
/// (when there is one), then init_from's copied in (when set; the report is "" otherwise).
FinetuneStart starting_params(const Params& fresh, const std::optional<Vocabulary>& vocabulary,
                              const FinetuneConfig& finetune, bool use_ema = true);

}  // namespace bx
