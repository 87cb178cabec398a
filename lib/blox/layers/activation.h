// Activation: a parameter-free elementwise (or along-an-axis) nonlinearity chosen by name.
#pragma once

#include <string>
#include <vector>

#include "blox/core/module.h"
#include "blox/schema/rule.h"

namespace bx {

/// relu, relu6, gelu, gelu_tanh, tanh, sigmoid, silu, elu, leaky_relu, softplus, softmax, log_softmax,
/// identity.
std::vector<std::string> activation_functions();

/// Settings of Activation.
struct ActivationSettings {
  std::string function = "relu";
  int64_t axis = -1;  ///< the axis of softmax / log_softmax

  template <class Visit>
  void fields(Visit& visit) {
    visit("function", function, Rule::one_of(activation_functions()), "the nonlinearity");
    visit("axis", axis, Rule(), "the axis of softmax / log_softmax");
  }
};

/// Settings of {type: softmax} and {type: log_softmax}.
struct AxisSettings {
  int64_t axis = -1;

  template <class Visit>
  void fields(Visit& visit) {
    visit("axis", axis, Rule(), "the axis normalized over");
  }
};

/// Creates no params and keeps params unchanged.
class Activation final : public Layer {
 public:
  /// Throws ConfigError for an unknown function, listing the known ones with a "did you mean".
  Activation(Graph graph, ActivationSettings settings);

  const ActivationSettings& settings() const { return settings_; }

 protected:
  // x: any shape -> same shape
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  using Fn = at::Tensor (*)(const at::Tensor& x, int64_t axis);
  ActivationSettings settings_;
  Fn fn_;
};

}  // namespace bx
