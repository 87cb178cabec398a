// Gradient clipping over a whole Params: by global norm and by value.
#pragma once

#include "blox/core/params.h"

namespace bx {

struct ClippedGrads {
  Params grads;
  double norm;  ///< global L2 norm before clipping
};

/// Scales every gradient by min(1, max_norm / (norm + 1e-6)), norm being the L2 norm over all
/// of them together (torch::nn::utils::clip_grad_norm_'s rule). Throws ConfigError for
/// max_norm <= 0.
ClippedGrads clip_by_global_norm(const Params& grads, double max_norm);

/// Clamps every gradient element to [-clip, clip]. Throws ConfigError for clip <= 0.
Params clip_by_value(const Params& grads, double clip);

}  // namespace bx
