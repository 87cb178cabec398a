// The learned per-channel scale and offset that every normalization layer shares.
#pragma once

#include <utility>

#include "blox/core/param_scope.h"

namespace bx {

/// Gets or creates `<path>/scale` (ones) and `<path>/bias` (zeros), each [channels] and
/// trainable. Tensors of disabled parts come back undefined.
std::pair<at::Tensor, at::Tensor> affine_params(ParamScope& p, int64_t channels, bool use_scale, bool use_bias);

}  // namespace bx
