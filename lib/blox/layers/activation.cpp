// Activation functions, looked up once at construction so the forward is a single call.
#include "blox/layers/activation.h"

#include <map>

#include <ATen/ops/elu.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/hardtanh.h>
#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/log_softmax.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/silu.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/softplus.h>
#include <ATen/ops/tanh.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/core/suggest.h"
#include "blox/core/tensor_ownership.h"

namespace bx {
namespace {

using Fn = at::Tensor (*)(const at::Tensor&, int64_t);

const std::map<std::string, Fn>& functions() {
  static const std::map<std::string, Fn> kFunctions = {
      {"relu", [](const at::Tensor& x, int64_t) { return at::relu(x); }},
      {"relu6", [](const at::Tensor& x, int64_t) { return at::hardtanh(x, 0.0, 6.0); }},  // min(max(x, 0), 6)
      {"gelu", [](const at::Tensor& x, int64_t) { return at::gelu(x); }},
      {"gelu_tanh", [](const at::Tensor& x, int64_t) { return at::gelu(x, "tanh"); }},
      {"tanh", [](const at::Tensor& x, int64_t) { return at::tanh(x); }},
      {"sigmoid", [](const at::Tensor& x, int64_t) { return at::sigmoid(x); }},
      {"silu", [](const at::Tensor& x, int64_t) { return at::silu(x); }},
      {"elu", [](const at::Tensor& x, int64_t) { return at::elu(x); }},
      {"leaky_relu", [](const at::Tensor& x, int64_t) { return at::leaky_relu(x, 0.01); }},
      {"softplus", [](const at::Tensor& x, int64_t) { return at::softplus(x); }},
      {"softmax", [](const at::Tensor& x, int64_t axis) { return at::softmax(x, axis); }},
      {"log_softmax", [](const at::Tensor& x, int64_t axis) { return at::log_softmax(x, axis); }},
      {"identity", [](const at::Tensor& x, int64_t) { return x; }},
  };
  return kFunctions;
}

}  // namespace

std::vector<std::string> activation_functions() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : functions()) names.push_back(name);
  return names;
}

Activation::Activation(Graph graph, ActivationSettings settings)
    : Layer(std::move(graph), "Activation"), settings_(std::move(settings)) {
  auto it = functions().find(settings_.function);
  if (it == functions().end()) {
    throw SettingError("function", fmt::format("Activation '{}': unknown function '{}' (known: {}){}", path(), settings_.function,
                                  fmt::join(activation_functions(), ", "),
                                  did_you_mean(settings_.function, activation_functions())));
  }
  fn_ = it->second;
}

Layer::Output Activation::forward(Params params, const at::Tensor& x, Mode) const {
  if (x.dim() == 0 && (settings_.function == "softmax" || settings_.function == "log_softmax")) {
    throw ShapeError(fmt::format("Activation '{}': {} needs at least one axis, got a scalar", path(), settings_.function));
  }
  // A ReLU over a value nobody else holds (a convolution's or batch norm's fresh output, whose
  // backward does not need it) overwrites it: one pass over memory less, the same values and
  // gradients (PyTorch's ReLU(inplace=True)).
  if (settings_.function == "relu" && overwritable(x)) {
    at::Tensor y = x;
    y.relu_();
    return {std::move(y), std::move(params)};
  }
  return {fn_(x, settings_.axis), std::move(params)};
}


void register_activations(LayerRegistry& registry) {
  registry.add("activation", "a nonlinearity chosen by name", ActivationSettings{},
               [](LayerBuild& b, const ActivationSettings& s) { return std::make_shared<Activation>(b.graph, s); });
  // Each function is also a type of its own: {type: relu}.
  for (const auto& name : activation_functions()) {
    const std::string summary = "activation with function: " + name;
    if (name == "softmax" || name == "log_softmax") {
      registry.add(name, summary, AxisSettings{}, [name](LayerBuild& b, const AxisSettings& s) {
        return std::make_shared<Activation>(b.graph, ActivationSettings{name, s.axis});
      });
    } else {
      registry.add(name, summary, NoSettings{}, [name](LayerBuild& b, const NoSettings&) {
        return std::make_shared<Activation>(b.graph, ActivationSettings{name});
      });
    }
  }
}

}  // namespace bx
