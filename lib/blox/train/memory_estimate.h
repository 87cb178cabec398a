// How much memory training a model takes, estimated before it starts: refused when it cannot
// fit this machine, a warning when it takes more than half.
#pragma once

#include <cstdint>
#include <string>

#include "blox/config/model_builder.h"
#include "blox/core/params.h"

namespace bx {

struct TrainingMemory {
  double params = 0;       ///< every param's bytes
  double optimizer = 0;    ///< per trainable param: its gradient and two moments (Adam's)
  double activations = 0;  ///< the dummy pass's activations per example x batch size x 2 (kept for
                           ///< the backward, and their gradients)
  double total() const { return params + optimizer + activations; }
  /// "about 3.1 GB (params 1 GB, gradients and optimizer moments 2 GB, activations 0.1 GB at batch 32)"
  std::string text(int64_t batch_size) const;
};

TrainingMemory training_memory(const Params& params, double activation_bytes_per_example, int64_t batch_size);

/// Throws ConfigError when `estimate` exceeds `memory_bytes` (naming the parts, with a hint);
/// returns a warning when it takes more than half of them, else "".
std::string check_training_memory(const TrainingMemory& estimate, int64_t batch_size, double memory_bytes);

/// The same for a prepared run (its params, dummy-pass activations and batch size) against
/// this machine's physical memory: validate and train call it before anything is written.
std::string check_training_memory(const PreparedRun& run);

}  // namespace bx
