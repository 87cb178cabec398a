// A model's params written as a PyTorch state dict in a safetensors file (io/pytorch_layout.h's
// naming), for torch.nn modules named as blox's layers (configs/resnet18.yaml: torchvision's).
#pragma once

#include <cstdint>
#include <string>

#include "blox/core/params.h"

namespace bx {

struct PytorchExportSummary {
  int64_t tensors = 0;
  int64_t bytes = 0;  ///< of the file
};

/// Writes the model params of `params` (model/...) to `path` atomically, as
/// safetensors.torch.save_file(model.state_dict(), path) writes them (metadata format: pt):
/// `load_file` then `load_state_dict(strict=True)` loads them into the PyTorch model whose module
/// names are the layers' paths. The run's own state (Rng seed and counter, a vocabulary: core/run_state.h) is left out.
/// Throws ConfigError for a param with no PyTorch counterpart.
PytorchExportSummary export_pytorch_safetensors(const Params& params, const std::string& path);

}  // namespace bx
