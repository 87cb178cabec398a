// Normalization layers: BatchNormalization (eval: the running statistics), LayerNormalization
// from opset 17 (decomposed before), RMS and group norm decomposed (no ONNX op up to opset 17).
#include <ATen/ATen.h>

#include "blox/export/onnx_layers.h"
#include "blox/layers/batch_norm.h"
#include "blox/layers/norm.h"

namespace bx {
namespace {

// The layer's scale/bias param, or a constant of ones/zeros when the layer has none.
std::string affine(LayerExporter& e, const Module& m, const char* name, bool present, int64_t channels, float fill) {
  if (present) return e.param(m, name);
  return e.graph().constant(m.path() + "/" + name, at::full({channels}, fill, at::kFloat));
}

// (x - mean) / sqrt(var + eps) with mean and (biased) var over `axes`, kept for broadcasting.
std::string normalize(OnnxGraph& g, const std::string& x, const std::vector<int64_t>& axes, double eps,
                      const std::string& at) {
  const std::string mean = g.node("ReduceMean", {x}, at + "/Mean", {{"axes", axes}, {"keepdims", int64_t{1}}});
  const std::string centred = g.node("Sub", {x, mean}, at + "/Centred");
  const std::string var = g.node("ReduceMean", {g.node("Mul", {centred, centred}, at + "/Square")}, at + "/Var",
                                 {{"axes", axes}, {"keepdims", int64_t{1}}});
  const std::string denominator =
      g.node("Sqrt", {g.node("Add", {var, g.scalar(at + "/eps", static_cast<float>(eps))}, at + "/AddEps")}, at + "/Std");
  return g.node("Div", {centred, denominator}, at + "/Normalized");
}

}  // namespace

std::string emit_layer_norm(OnnxGraph& g, const std::string& x, const std::string& scale, const std::string& bias,
                            double eps, const std::string& hint) {
  if (g.opset() >= 17) {
    return g.node("LayerNormalization", {x, scale, bias}, hint + "/LayerNormalization",
                  {{"axis", int64_t{-1}}, {"epsilon", static_cast<float>(eps)}});
  }
  const std::string normalized = normalize(g, x, {-1}, eps, hint);
  return g.node("Add", {g.node("Mul", {normalized, scale}, hint + "/Scale"), bias}, hint + "/Bias");
}

std::optional<std::string> emit_norm_layer(const Layer& layer, LayerExporter& e, const OnnxValue& x) {
  OnnxGraph& g = e.graph();
  const std::string at = layer.path();
  if (const auto* bn = dynamic_cast<const BatchNorm*>(&layer)) {
    const auto& s = bn->settings();
    const int64_t channels = x.sample.size(1);
    return g.node("BatchNormalization",
                  {x.name, affine(e, *bn, "scale", s.use_scale, channels, 1), affine(e, *bn, "bias", s.use_bias, channels, 0),
                   e.param(*bn, "mean"), e.param(*bn, "var")},
                  at + "/BatchNormalization", {{"epsilon", static_cast<float>(s.eps)}});
  }
  if (const auto* ln = dynamic_cast<const LayerNorm*>(&layer)) {
    const auto& s = ln->settings();
    const int64_t d = x.sample.size(-1);
    return emit_layer_norm(g, x.name, affine(e, *ln, "scale", s.use_scale, d, 1), affine(e, *ln, "bias", s.use_bias, d, 0),
                           s.eps, at);
  }
  if (const auto* rms = dynamic_cast<const RMSNorm*>(&layer)) {
    // x / sqrt(mean(x^2) + eps) * scale, as blox computes it.
    const auto& s = rms->settings();
    const std::string square_mean = g.node("ReduceMean", {g.node("Mul", {x.name, x.name}, at + "/Square")},
                                           at + "/MeanSquare", {{"axes", std::vector<int64_t>{-1}}, {"keepdims", int64_t{1}}});
    const std::string rms_value = g.node(
        "Sqrt", {g.node("Add", {square_mean, g.scalar(at + "/eps", static_cast<float>(s.eps))}, at + "/AddEps")},
        at + "/RMS");
    const std::string y = g.node("Div", {x.name, rms_value}, at + "/Normalized");
    return s.use_scale ? g.node("Mul", {y, e.param(*rms, "scale")}, at + "/Scale") : y;
  }
  if (const auto* gn = dynamic_cast<const GroupNorm*>(&layer)) {
    // (B, C, ...) -> (B, G, rest), normalized per group, back to x's shape, then per channel.
    const auto& s = gn->settings();
    const int64_t channels = x.sample.size(1);
    const std::string grouped =
        g.node("Reshape", {x.name, g.ints(at + "/groups", {0, s.groups, -1})}, at + "/Grouped");
    const std::string normalized = normalize(g, grouped, {2}, s.eps, at);
    const std::string restored = g.node("Reshape", {normalized, g.node("Shape", {x.name}, at + "/Shape")}, at + "/Restored");
    std::vector<int64_t> per_channel(static_cast<size_t>(x.sample.dim() - 1), 1);
    per_channel[0] = channels;
    const std::string shape = g.ints(at + "/per_channel", per_channel);
    const std::string scale = g.node("Reshape", {affine(e, *gn, "scale", s.use_scale, channels, 1), shape}, at + "/ScaleShape");
    const std::string bias = g.node("Reshape", {affine(e, *gn, "bias", s.use_bias, channels, 0), shape}, at + "/BiasShape");
    return g.node("Add", {g.node("Mul", {restored, scale}, at + "/Scale"), bias}, at + "/Bias");
  }
  return std::nullopt;
}

}  // namespace bx
