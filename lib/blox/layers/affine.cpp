// Per-channel affine params of normalization layers.
#include "blox/layers/affine.h"

namespace bx {

std::pair<at::Tensor, at::Tensor> affine_params(ParamScope& p, int64_t channels, bool use_scale, bool use_bias) {
  const at::Tensor scale = use_scale ? p.get("scale", {channels}, init::ones()) : at::Tensor();
  const at::Tensor bias = use_bias ? p.get("bias", {channels}, init::zeros()) : at::Tensor();
  return {scale, bias};
}

}  // namespace bx
