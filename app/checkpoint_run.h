// A checkpoint with the run it belongs to, for the commands that use a trained model.
#pragma once

#include <string>
#include <vector>

#include "blox/config/model_builder.h"
#include "blox/io/checkpoint.h"

namespace CLI {
class App;
}

namespace blox_app {

struct CheckpointRun {
  bx::Checkpoint checkpoint;  ///< its params as the model runs with them (no ema/ entries)
  bx::PreparedRun prepared;
  bool ema = false;  ///< those params are the checkpoint's EMA weights (train.ema)
};

/// `target` is a YAML config (then `checkpoint` names the .safetensors file) or a checkpoint
/// alone (then its stored, resolved config is used). A text model's vocabulary comes from the
/// checkpoint, never from the (possibly changed) training file. A config without a checkpoint
/// stands for its model as a fine-tuning run starts it: fresh params with `finetune.init_from`
/// copied in (e.g. a PyTorch state dict, to compare outputs), the report printed to stderr, step
/// 0. A checkpoint with averages (train.ema) runs its EMA weights, unless !use_ema: its raw
/// params (an init_from checkpoint likewise). Throws ConfigError when a config has neither,
/// CheckpointError for a bad file; `command` names the caller in messages.
CheckpointRun open_checkpoint_run(const std::string& target, const std::string& checkpoint,
                                  const std::vector<std::string>& overrides, const std::string& command,
                                  bool use_ema = true);

/// The --no-ema flag of the commands that run a trained model.
void add_no_ema_flag(CLI::App& command, bool& no_ema);

/// ConfigError unless `output` may be replaced by `command`: it must not be one of `inputs` (the
/// checkpoint or config being read) nor any blox checkpoint, whose loss nothing brings back.
void require_replaceable_output(const std::string& output, const std::vector<std::string>& inputs,
                                const std::string& command);

}  // namespace blox_app
