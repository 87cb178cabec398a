// A trained model as the commands that use one see it: a checkpoint (or a config's imported
// init_from weights) with the run it belongs to, ready to evaluate, predict, generate or export.
#pragma once

#include <string>
#include <vector>

#include "blox/config/model_builder.h"
#include "blox/io/checkpoint.h"

namespace bx {

struct TrainedModel {
  Checkpoint checkpoint;  ///< its params as the model runs with them (no ema/ entries)
  PreparedRun prepared;
  bool ema = false;  ///< those params are the checkpoint's EMA weights (train.ema)
};

/// `target` is a YAML config (then `checkpoint` names the .safetensors file) or a checkpoint
/// alone (then its stored, resolved config is used, read from the checkpoint: no file is
/// written). A text model's vocabulary comes from the checkpoint, never from the (possibly
/// changed) training file. A config without a checkpoint stands for its model as a fine-tuning
/// run starts it: fresh params with `finetune.init_from` copied in (e.g. a PyTorch state dict,
/// to compare outputs), the report printed to stderr, step 0. A checkpoint with averages
/// (train.ema) runs its EMA weights, unless !use_ema: its raw params (an init_from checkpoint
/// likewise). The run's `threads` (> 0) then cap the compute threads. Throws ConfigError when a
/// config has neither, or when init_from gave the model no param; CheckpointError for a bad
/// file. `command` names the caller in messages.
TrainedModel load_trained_model(const std::string& target, const std::string& checkpoint,
                                const std::vector<std::string>& overrides, const std::string& command,
                                bool use_ema = true);

}  // namespace bx
