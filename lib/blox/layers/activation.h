// Activation: a parameter-free elementwise (or along-an-axis) nonlinearity chosen by name.
#pragma once

#include <string>
#include <vector>

#include "blox/core/module.h"

namespace bx {

/// Settings of Activation; field names are the YAML keys.
struct ActivationSettings {
  std::string function = "relu";  ///< relu, gelu, gelu_tanh, tanh, sigmoid, silu, elu, leaky_relu,
                                  ///< softplus, softmax, log_softmax, identity
  int64_t axis = -1;              ///< the axis of softmax / log_softmax
};

/// Creates no params and keeps params unchanged.
class Activation final : public Layer {
 public:
  /// Throws ConfigError for an unknown function, listing the known ones with a "did you mean".
  Activation(Graph graph, ActivationSettings settings);

  static std::vector<std::string> known_functions();

 protected:
  // x: any shape -> same shape
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  using Fn = at::Tensor (*)(const at::Tensor& x, int64_t axis);
  ActivationSettings settings_;
  Fn fn_;
};

}  // namespace bx
