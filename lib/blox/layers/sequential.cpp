// Sequential composition.
#include "blox/layers/sequential.h"

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

Sequential::Sequential(Graph graph, std::vector<std::shared_ptr<const Layer>> layers)
    : Layer(std::move(graph), "Sequential"), layers_(std::move(layers)) {
  if (layers_.empty()) throw ConfigError(fmt::format("Sequential '{}': needs at least one layer", path()));
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (!layers_[i]) throw ConfigError(fmt::format("Sequential '{}': layer {} is null", path(), i));
  }
}

Layer::Output Sequential::forward(Params params, const at::Tensor& x, Mode mode) const {
  at::Tensor y = x;
  for (const auto& layer : layers_) std::tie(y, params) = (*layer)(std::move(params), y, mode);
  return {std::move(y), std::move(params)};
}

}  // namespace bx
