// Flatten as a view where the input is contiguous (no copy on the hot path).
#include "blox/layers/flatten.h"

#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/schema/settings.h"

namespace bx {

Flatten::Flatten(Graph graph, FlattenSettings settings) : Layer(std::move(graph), "Flatten"), settings_(settings) {
  check_settings(settings_, fmt::format("Flatten '{}'", path()));
}

Layer::Output Flatten::forward(Params params, const at::Tensor& x, Mode) const {
  if (x.dim() <= settings_.start_axis) {
    throw ShapeError(fmt::format("Flatten '{}': start_axis {} needs an input with more than {} dims, got shape {}",
                                 path(), settings_.start_axis, settings_.start_axis, format_shape(x.sizes())));
  }
  return {x.flatten(settings_.start_axis), std::move(params)};
}


void register_flatten(LayerRegistry& registry) {
  registry.add("flatten", "merges the axes from start_axis on", FlattenSettings{},
               [](LayerBuild& b, const FlattenSettings& s) { return std::make_shared<Flatten>(b.graph, s); });
}

}  // namespace bx
