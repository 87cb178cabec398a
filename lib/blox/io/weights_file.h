// Which kind of weights file fine-tuning starts from: a blox checkpoint or another framework's.
#pragma once

#include <string>

namespace bx {

enum class WeightsOrigin {
  blox,     ///< a checkpoint blox wrote (load_checkpoint reads and verifies it)
  foreign,  ///< named tensors only, e.g. safetensors.torch.save_file(model.state_dict(), ...)
};

/// Tells the two apart by the safetensors metadata's "format" (blox's checkpoints name
/// themselves "blox-checkpoint-N"; PyTorch writes none or "pt"), reading the header only. A
/// torch.save pickle (.pt, .pth) is a ConfigError saying how to convert it to safetensors; any
/// other file that is not safetensors a CheckpointError naming the problem.
WeightsOrigin weights_origin(const std::string& path);

}  // namespace bx
