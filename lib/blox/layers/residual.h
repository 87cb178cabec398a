// Residual: y = x + f(x).
#pragma once

#include <memory>

#include "blox/core/module.h"

namespace bx {

/// Wraps a layer (built on a child node of its own node) whose output has its input's shape.
class Residual final : public Layer {
 public:
  Residual(Graph graph, std::shared_ptr<const Layer> inner);

  const Layer& inner() const { return *inner_; }

 protected:
  // x: any shape -> same shape; a shape-changing inner layer is a ShapeError naming both shapes
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  std::shared_ptr<const Layer> inner_;
};

}  // namespace bx
