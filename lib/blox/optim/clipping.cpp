// Clipping returns new grads.
#include "blox/optim/clipping.h"

#include <ATen/ops/clamp.h>
#include <ATen/ops/clamp_max.h>
#include <ATen/ops/norm.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>
#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

ClippedGrads clip_by_global_norm(const Params& grads, double max_norm) {
  if (!(max_norm > 0)) throw ConfigError(fmt::format("clip_by_global_norm: max_norm must be > 0, got {}", max_norm));
  if (grads.empty()) return {grads, at::zeros({})};
  std::vector<at::Tensor> norms;
  for (const auto& g : grads.tensors()) norms.push_back(at::norm(g.detach(), 2));
  const at::Tensor norm = at::norm(at::stack(norms), 2);
  // min(1, ...) as a tensor: gradients below the limit are multiplied by exactly 1.
  const at::Tensor scale = at::clamp_max(max_norm / (norm + 1e-6), 1.0);
  return {grads.map([&](const std::string&, const Param& g) { return g.value * scale; }), norm};
}

Params clip_by_value(const Params& grads, double clip) {
  if (!(clip > 0)) throw ConfigError(fmt::format("clip_by_value: clip must be > 0, got {}", clip));
  return grads.map([clip](const std::string&, const Param& g) { return at::clamp(g.value, -clip, clip); });
}

}  // namespace bx
