// Layers to ONNX nodes: one emitter per layer family, over the layers' own settings and params.
#pragma once

#include <optional>
#include <string>

#include "blox/core/module.h"
#include "blox/export/onnx_graph.h"

namespace bx {

/// A value of the exported graph: its ONNX name and blox's own value for it on the sample
/// batch, whose shape (all but the batch axis) the emitters read.
struct OnnxValue {
  std::string name;
  at::Tensor sample;
};

/// Walks a model's layers, adding the nodes of each to the graph.
class LayerExporter {
 public:
  LayerExporter(OnnxGraph& graph, const Params& params) : graph_(graph), params_(params) {}

  /// The nodes computing `layer` (eval mode) on `x`; ConfigError naming the layer when its
  /// type has no ONNX form.
  OnnxValue emit(const Layer& layer, const OnnxValue& x);

  OnnxGraph& graph() { return graph_; }
  /// The param `name` of `module` as an initializer named by its path.
  std::string param(const Module& module, const std::string& name);
  /// The param's value (for weights that need converting to ONNX's layout).
  const at::Tensor& value(const Module& module, const std::string& name) const;

 private:
  OnnxGraph& graph_;
  const Params& params_;
};

// Each family's emitter: the output's name, or nothing when `layer` is not of that family.
std::optional<std::string> emit_basic_layer(const Layer& layer, LayerExporter& e, const OnnxValue& x);
std::optional<std::string> emit_conv_layer(const Layer& layer, LayerExporter& e, const OnnxValue& x);
std::optional<std::string> emit_norm_layer(const Layer& layer, LayerExporter& e, const OnnxValue& x);
std::optional<std::string> emit_sequence_layer(const Layer& layer, LayerExporter& e, const OnnxValue& x);

/// x W + b (b may be ""): Gemm for 2-D x, else MatMul and Add.
std::string emit_linear(OnnxGraph& g, const std::string& x, int64_t rank, const std::string& kernel,
                        const std::string& bias, const std::string& hint);
/// An activation function by its blox name (relu, gelu, softmax, ...) over `axis`.
std::string emit_activation(OnnxGraph& g, const std::string& function, int64_t axis, const std::string& x,
                            const std::string& hint);
/// LayerNorm over the last axis (LayerNormalization from opset 17, else decomposed).
std::string emit_layer_norm(OnnxGraph& g, const std::string& x, const std::string& scale, const std::string& bias,
                            double eps, const std::string& hint);

}  // namespace bx
