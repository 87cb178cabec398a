// LayerNorm and GroupNorm use libtorch's fused kernels; RMSNorm has none in libtorch 1.13.
#include "blox/layers/norm.h"

#include <ATen/ops/group_norm.h>
#include <ATen/ops/layer_norm.h>
#include <ATen/ops/rsqrt.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/core/param_scope.h"
#include "blox/schema/settings.h"
#include "blox/layers/affine.h"

namespace bx {
namespace {

void check_last_axis(const at::Tensor& x, const std::string& where) {
  if (x.dim() < 1) throw ShapeError(fmt::format("{}: expected input (..., D), got a scalar", where));
}

}  // namespace

LayerNorm::LayerNorm(Graph graph, LayerNormSettings settings) : Layer(std::move(graph), "LayerNorm"), settings_(settings) {
  check_settings(settings_, fmt::format("LayerNorm '{}'", path()));
}

Layer::Output LayerNorm::forward(Params params, const at::Tensor& x, Mode) const {
  check_last_axis(x, fmt::format("LayerNorm '{}'", path()));
  const int64_t d = x.size(-1);
  ParamScope p(*this, std::move(params), x.device());
  const auto [scale, bias] = affine_params(p, d, settings_.use_scale, settings_.use_bias);
  return {at::layer_norm(x, {d}, scale, bias, settings_.eps), p.release()};
}

RMSNorm::RMSNorm(Graph graph, LayerNormSettings settings) : Layer(std::move(graph), "RMSNorm"), settings_(settings) {
  check_settings(settings_, fmt::format("RMSNorm '{}'", path()));
  if (settings_.use_bias) throw SettingError("use_bias", fmt::format("RMSNorm '{}': has no bias; use_bias must be false", path()));
}

Layer::Output RMSNorm::forward(Params params, const at::Tensor& x, Mode) const {
  check_last_axis(x, fmt::format("RMSNorm '{}'", path()));
  ParamScope p(*this, std::move(params), x.device());
  const at::Tensor scale = affine_params(p, x.size(-1), settings_.use_scale, false).first;
  at::Tensor y = x * at::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + settings_.eps);
  return {settings_.use_scale ? y * scale : y, p.release()};
}

GroupNorm::GroupNorm(Graph graph, GroupNormSettings settings) : Layer(std::move(graph), "GroupNorm"), settings_(settings) {
  check_settings(settings_, fmt::format("GroupNorm '{}'", path()));
}

Layer::Output GroupNorm::forward(Params params, const at::Tensor& x, Mode) const {
  if (x.dim() < 2 || x.size(1) % settings_.groups != 0) {
    throw ShapeError(fmt::format("GroupNorm '{}': expected input (B, C, ...) with C divisible by groups {}, got shape {}",
                                 path(), settings_.groups, format_shape(x.sizes())));
  }
  ParamScope p(*this, std::move(params), x.device());
  const auto [scale, bias] = affine_params(p, x.size(1), settings_.use_scale, settings_.use_bias);
  return {at::group_norm(x, settings_.groups, scale, bias, settings_.eps), p.release()};
}


void register_norms(LayerRegistry& registry) {
  registry.add("layer_norm", "normalizes over the last axis", LayerNormSettings{},
               [](LayerBuild& b, const LayerNormSettings& s) { return std::make_shared<LayerNorm>(b.graph, s); });
  registry.add("rms_norm", "scales by the root mean square of the last axis", LayerNormSettings{1e-6, true, false, false},
               [](LayerBuild& b, const LayerNormSettings& s) { return std::make_shared<RMSNorm>(b.graph, s); });
  registry.add("group_norm", "normalizes over groups of channels (and space)", GroupNormSettings{},
               [](LayerBuild& b, const GroupNormSettings& s) { return std::make_shared<GroupNorm>(b.graph, s); });
}

}  // namespace bx
