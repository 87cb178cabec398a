// A model's raw outputs with the exact inputs they came from, for checking another runtime
// (ONNX Runtime, PyTorch) against blox on real batches.
#pragma once

#include <cstdint>

#include "blox/core/module.h"
#include "blox/data/loader.h"
#include "blox/io/safetensors.h"

namespace bx {

/// Runs `model` in eval mode over the first `limit` examples (0: all) of `loader`, from its
/// start, and returns tensors "inputs" (as the model received them, after the loader's
/// transforms), "outputs" (float32, no softmax) and, when `labelled` (else the loader's targets
/// are only example indices), "targets". With `raw`, a loader over the
/// same data in the same order without transforms, "raw_inputs" holds its inputs too (the
/// model's input before preprocessing). Batches go to `device`, where `params` are.
TensorFile prediction_tensors(const Layer& model, const Params& params, Loader& loader, int64_t limit, bool labelled,
                              c10::Device device = c10::kCPU, Loader* raw = nullptr);

}  // namespace bx
