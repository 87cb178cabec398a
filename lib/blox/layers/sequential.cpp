// Sequential composition.
#include "blox/layers/sequential.h"

#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"

namespace bx {

Sequential::Sequential(Graph graph, std::vector<std::shared_ptr<const Layer>> layers)
    : Layer(std::move(graph), "Sequential"), layers_(std::move(layers)) {
  check_layers();
}

Sequential::Sequential(Graph root, std::vector<std::shared_ptr<const Layer>> layers, WholeModel tag)
    : Layer(std::move(root), "Sequential", tag), layers_(std::move(layers)) {
  check_layers();
}

std::shared_ptr<Sequential> Sequential::whole_model(Graph root, std::vector<std::shared_ptr<const Layer>> layers) {
  return std::shared_ptr<Sequential>(new Sequential(std::move(root), std::move(layers), WholeModel{}));
}

void Sequential::check_layers() const {
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


void register_sequential(LayerRegistry& registry) {
  registry.add_parser("sequential",
                      {"its layers in order", {{"layers", "list of layer specs", "", "required", "the layers"}}},
                      [](LayerBuild& b) -> std::shared_ptr<const Layer> {
                        auto layers = b.children("layers");
                        if (layers.empty()) return nullptr;  // the children's problems are reported already
                        return std::make_shared<Sequential>(b.graph, std::move(layers));
                      });
}

}  // namespace bx
