// Residual connection.
#include "blox/layers/residual.h"

#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"

namespace bx {

Residual::Residual(Graph graph, std::shared_ptr<const Layer> inner)
    : Layer(std::move(graph), "Residual"), inner_(std::move(inner)) {
  if (!inner_) throw ConfigError(fmt::format("Residual '{}': needs an inner layer", path()));
}

Layer::Output Residual::forward(Params params, const at::Tensor& x, Mode mode) const {
  at::Tensor fx;
  std::tie(fx, params) = (*inner_)(std::move(params), x, mode);
  if (fx.sizes() != x.sizes()) {
    throw ShapeError(fmt::format("Residual '{}': inner {} '{}' maps shape {} to {}; a residual needs the same shape",
                                 path(), inner_->kind(), inner_->path(), format_shape(x.sizes()), format_shape(fx.sizes())));
  }
  return {x + fx, std::move(params)};
}


void register_residual(LayerRegistry& registry) {
  registry.add_parser("residual", {"y = x + layer(x)", {{"layer", "layer spec", "", "required", "the inner layer"}}},
                      [](LayerBuild& b) -> std::shared_ptr<const Layer> {
                        auto inner = b.child("layer");
                        if (!inner) return nullptr;
                        return std::make_shared<Residual>(b.graph, std::move(inner));
                      });
}

}  // namespace bx
