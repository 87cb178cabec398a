// Residual: y = after(shortcut(x) + branch(x)), shortcut the identity and after nothing by default.
#pragma once

#include <memory>
#include <vector>

#include "blox/core/module.h"

namespace bx {

/// A branch of layers (each on a child node of its own node) added to the input, or to a
/// shortcut layer's output (a projection: a strided 1x1 convolution and batch norm, as ResNet's
/// downsample), then an optional layer on the sum (ResNet's ReLU after the add).
class Residual final : public Layer {
 public:
  Residual(Graph graph, std::vector<std::shared_ptr<const Layer>> branch, std::shared_ptr<const Layer> shortcut = nullptr,
           std::shared_ptr<const Layer> after = nullptr);

  /// A branch of one layer, the identity shortcut.
  Residual(Graph graph, std::shared_ptr<const Layer> inner)
      : Residual(std::move(graph), std::vector<std::shared_ptr<const Layer>>{std::move(inner)}) {}

  const std::vector<std::shared_ptr<const Layer>>& branch() const { return branch_; }
  const Layer* shortcut() const { return shortcut_.get(); }  ///< nullptr: the identity
  const Layer* after() const { return after_.get(); }        ///< nullptr: none

 protected:
  // x: any shape -> the branch's shape, which must be the shortcut's (else a ShapeError naming both)
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  std::vector<std::shared_ptr<const Layer>> branch_;
  std::shared_ptr<const Layer> shortcut_, after_;
};

}  // namespace bx
