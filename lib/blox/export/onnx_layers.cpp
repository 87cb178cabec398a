// The dispatch over layer families, and the basic layers: linear, activations, flatten,
// dropout (gone in eval), sequential and residual.
#include "blox/export/onnx_layers.h"

#include <cmath>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/layers/activation.h"
#include "blox/layers/dropout.h"
#include "blox/layers/flatten.h"
#include "blox/layers/linear.h"
#include "blox/layers/residual.h"
#include "blox/layers/sequential.h"

namespace bx {

OnnxValue LayerExporter::emit(const Layer& layer, const OnnxValue& x) {
  at::Tensor sample = layer(params_, x.sample, Mode::eval).first;
  for (auto* family : {emit_basic_layer, emit_conv_layer, emit_norm_layer, emit_sequence_layer}) {
    if (auto name = family(layer, *this, x)) return {*name, std::move(sample)};
  }
  throw ConfigError(fmt::format("export: layer '{}' ({}) has no ONNX form in this version of blox", layer.path(),
                                layer.kind()));
}

std::string LayerExporter::param(const Module& module, const std::string& name) {
  return graph_.initializer(module.param_path(name), value(module, name));
}

const at::Tensor& LayerExporter::value(const Module& module, const std::string& name) const {
  return module.param_value(params_, name);
}

std::string emit_linear(OnnxGraph& g, const std::string& x, int64_t rank, const std::string& kernel,
                        const std::string& bias, const std::string& hint) {
  if (rank == 2 && !bias.empty()) return g.node("Gemm", {x, kernel, bias}, hint + "/Gemm");
  const std::string product = g.node("MatMul", {x, kernel}, hint + "/MatMul");
  return bias.empty() ? product : g.node("Add", {product, bias}, hint + "/Add");
}

std::string emit_activation(OnnxGraph& g, const std::string& function, int64_t axis, const std::string& x,
                            const std::string& hint) {
  const std::string at = hint + "/" + function;
  if (function == "relu") return g.node("Relu", {x}, at);
  if (function == "relu6") return g.node("Clip", {x, g.scalar(at + "/min", 0.0f), g.scalar(at + "/max", 6.0f)}, at);
  if (function == "tanh") return g.node("Tanh", {x}, at);
  if (function == "sigmoid") return g.node("Sigmoid", {x}, at);
  if (function == "elu") return g.node("Elu", {x}, at, {{"alpha", 1.0f}});
  if (function == "leaky_relu") return g.node("LeakyRelu", {x}, at, {{"alpha", 0.01f}});
  if (function == "softplus") return g.node("Softplus", {x}, at);
  if (function == "softmax") return g.node("Softmax", {x}, at, {{"axis", axis}});
  if (function == "log_softmax") return g.node("LogSoftmax", {x}, at, {{"axis", axis}});
  if (function == "identity") return g.node("Identity", {x}, at);
  if (function == "silu") return g.node("Mul", {x, g.node("Sigmoid", {x}, at + "/Sigmoid")}, at);
  if (function == "gelu") {
    // 0.5 x (1 + erf(x / sqrt 2)): ONNX has Gelu only from opset 20.
    const std::string erf = g.node("Erf", {g.node("Div", {x, g.scalar(at + "/sqrt2", std::sqrt(2.0f))}, at + "/Div")},
                                   at + "/Erf");
    const std::string half_x = g.node("Mul", {x, g.scalar(at + "/half", 0.5f)}, at + "/Mul");
    return g.node("Mul", {half_x, g.node("Add", {erf, g.scalar(at + "/one", 1.0f)}, at + "/Add")}, at);
  }
  if (function == "gelu_tanh") {
    // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    const std::string cube = g.node("Mul", {g.node("Mul", {x, x}, at + "/Square"), x}, at + "/Cube");
    const std::string inner = g.node("Add", {x, g.node("Mul", {cube, g.scalar(at + "/c", 0.044715f)}, at + "/MulC")},
                                     at + "/Inner");
    const std::string tanh = g.node(
        "Tanh", {g.node("Mul", {inner, g.scalar(at + "/k", static_cast<float>(std::sqrt(2.0 / M_PI)))}, at + "/MulK")},
        at + "/Tanh");
    const std::string half_x = g.node("Mul", {x, g.scalar(at + "/half", 0.5f)}, at + "/Mul");
    return g.node("Mul", {half_x, g.node("Add", {tanh, g.scalar(at + "/one", 1.0f)}, at + "/Add")}, at);
  }
  throw ConfigError(fmt::format("export: activation '{}' at '{}' has no ONNX form", function, hint));
}

std::optional<std::string> emit_basic_layer(const Layer& layer, LayerExporter& e, const OnnxValue& x) {
  OnnxGraph& g = e.graph();
  if (const auto* linear = dynamic_cast<const Linear*>(&layer)) {
    const std::string bias = linear->settings().use_bias ? e.param(*linear, "bias") : "";
    return emit_linear(g, x.name, x.sample.dim(), e.param(*linear, "kernel"), bias, layer.path());
  }
  if (const auto* activation = dynamic_cast<const Activation*>(&layer)) {
    return emit_activation(g, activation->settings().function, activation->settings().axis, x.name, layer.path());
  }
  if (const auto* flatten = dynamic_cast<const Flatten*>(&layer)) {
    // Keep the axes before start_axis (0 copies a dim, so the batch size stays free), merge the rest.
    std::vector<int64_t> shape(static_cast<size_t>(flatten->settings().start_axis), 0);
    shape.push_back(-1);
    return g.node("Reshape", {x.name, g.ints(layer.path() + "/shape", shape)}, layer.path() + "/Reshape");
  }
  if (dynamic_cast<const Dropout*>(&layer)) return x.name;  // the identity in eval mode
  if (const auto* sequential = dynamic_cast<const Sequential*>(&layer)) {
    OnnxValue y = x;
    for (size_t i = 0; i < sequential->size(); ++i) y = e.emit(sequential->layer(i), y);
    return y.name;
  }
  if (const auto* residual = dynamic_cast<const Residual*>(&layer)) {
    OnnxValue branch = x;
    for (const auto& part : residual->branch()) branch = e.emit(*part, branch);
    const OnnxValue shortcut = residual->shortcut() ? e.emit(*residual->shortcut(), x) : x;
    const OnnxValue sum{g.node("Add", {shortcut.name, branch.name}, layer.path() + "/Add"), shortcut.sample + branch.sample};
    return residual->after() ? e.emit(*residual->after(), sum).name : sum.name;
  }
  return std::nullopt;
}

}  // namespace bx
