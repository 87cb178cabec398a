// Sequential: layers applied in order, threading params through each.
#pragma once

#include <memory>
#include <vector>

#include "blox/core/module.h"

namespace bx {

/// Holds its layers (built on child nodes of its own node) and applies them in order.
class Sequential final : public Layer {
 public:
  /// Throws ConfigError when `layers` is empty or holds a null layer.
  Sequential(Graph graph, std::vector<std::shared_ptr<const Layer>> layers);
  /// A whole model: its layers sit directly under the root node ("model/conv1/kernel").
  static std::shared_ptr<Sequential> whole_model(Graph root, std::vector<std::shared_ptr<const Layer>> layers);

  size_t size() const { return layers_.size(); }
  const Layer& layer(size_t i) const { return *layers_.at(i); }

 protected:
  // x: the first layer's input -> the last layer's output
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  Sequential(Graph root, std::vector<std::shared_ptr<const Layer>> layers, WholeModel);
  void check_layers() const;

  std::vector<std::shared_ptr<const Layer>> layers_;
};

}  // namespace bx
