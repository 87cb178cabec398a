// The learned per-channel scale and offset that every normalization layer shares.
#pragma once

#include <tuple>

#include "blox/core/module.h"

namespace bx {

/// Gets or creates `<path>/scale` (ones) and `<path>/bias` (zeros), each [channels] and
/// trainable, on `device`. Tensors of disabled parts come back undefined.
std::tuple<at::Tensor, at::Tensor, Params> affine_params(const Module& module, Params params, int64_t channels,
                                                         bool use_scale, bool use_bias, c10::Device device);

}  // namespace bx
