// Linear layer and the affine map it shares with other layers.
#include "blox/layers/linear.h"

#include <ATen/ops/addmm.h>
#include <ATen/ops/matmul.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/core/param_scope.h"
#include "blox/schema/settings.h"

namespace bx {

at::Tensor linear_map(const at::Tensor& x, const at::Tensor& kernel, const at::Tensor& bias) {
  if (!bias.defined()) return at::matmul(x, kernel);
  if (x.dim() == 2) return at::addmm(bias, x, kernel);
  return at::matmul(x, kernel) + bias;
}

Linear::Linear(Graph graph, LinearSettings settings, std::shared_ptr<const Rng> rng)
    : Layer(std::move(graph), "Linear", std::move(rng)), settings_(std::move(settings)) {
  check_settings(settings_, fmt::format("Linear '{}'", path()));
}

Layer::Output Linear::forward(Params params, const at::Tensor& x, Mode) const {
  if (x.dim() < 1) {
    throw ShapeError(fmt::format("Linear '{}': expected input (..., in), got a scalar", path()));
  }
  const int64_t in = x.size(-1);
  const int64_t out = settings_.output_size;
  ParamScope p(*this, std::move(params), x.device());
  const at::Tensor kernel = p.get("kernel", {in, out}, settings_.kernel_init);
  const at::Tensor bias = settings_.use_bias ? p.get("bias", {out}, settings_.bias_init) : at::Tensor();
  return {linear_map(x, kernel, bias), p.release()};
}


void register_linear(LayerRegistry& registry) {
  registry.add("linear", "y = x W + b", LinearSettings{}, [](LayerBuild& b, const LinearSettings& s) {
    return std::make_shared<Linear>(b.graph, s, b.rng);
  });
}

}  // namespace bx
