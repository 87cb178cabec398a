// Per-channel affine params of normalization layers.
#include "blox/layers/affine.h"

namespace bx {

std::tuple<at::Tensor, at::Tensor, Params> affine_params(const Module& module, Params params, int64_t channels,
                                                         bool use_scale, bool use_bias, c10::Device device) {
  const ParamOptions where{true, device, {}};
  at::Tensor scale, bias;
  if (use_scale) std::tie(scale, params) = module.get_param(std::move(params), "scale", {channels}, init::ones(), where);
  if (use_bias) std::tie(bias, params) = module.get_param(std::move(params), "bias", {channels}, init::zeros(), where);
  return {scale, bias, std::move(params)};
}

}  // namespace bx
