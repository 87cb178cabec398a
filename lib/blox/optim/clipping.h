// Gradient clipping over a whole Params: by global norm and by value.
#pragma once

#include <ATen/core/Tensor.h>

#include "blox/core/params.h"

namespace bx {

struct ClippedGrads {
  Params grads;
  at::Tensor norm;  ///< global L2 norm before clipping: a scalar where the grads are
};

/// Scales every gradient by min(1, max_norm / (norm + 1e-6)), norm being the L2 norm over all
/// of them together (torch::nn::utils::clip_grad_norm_'s rule), computed where the gradients
/// are: no host read, so a GPU step does not wait. Throws ConfigError for max_norm <= 0.
ClippedGrads clip_by_global_norm(const Params& grads, double max_norm);

/// Clamps every gradient element to [-clip, clip]. Throws ConfigError for clip <= 0.
Params clip_by_value(const Params& grads, double clip);

}  // namespace bx
