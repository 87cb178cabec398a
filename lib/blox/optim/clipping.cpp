// Clipping returns new grads; the norm is read once on the host to decide the scale.
#include "blox/optim/clipping.h"

#include <ATen/ops/clamp.h>
#include <ATen/ops/norm.h>
#include <ATen/ops/stack.h>
#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

ClippedGrads clip_by_global_norm(const Params& grads, double max_norm) {
  if (!(max_norm > 0)) throw ConfigError(fmt::format("clip_by_global_norm: max_norm must be > 0, got {}", max_norm));
  if (grads.empty()) return {grads, 0.0};
  std::vector<at::Tensor> norms;
  for (const auto& g : grads.tensors()) norms.push_back(at::norm(g.detach(), 2));
  const double norm = at::norm(at::stack(norms), 2).item<double>();
  const double scale = max_norm / (norm + 1e-6);
  if (scale >= 1.0) return {grads, norm};
  return {grads.map([scale](const std::string&, const Param& g) { return g.value * scale; }), norm};
}

Params clip_by_value(const Params& grads, double clip) {
  if (!(clip > 0)) throw ConfigError(fmt::format("clip_by_value: clip must be > 0, got {}", clip));
  return grads.map([clip](const std::string&, const Param& g) { return at::clamp(g.value, -clip, clip); });
}

}  // namespace bx
