// Convolutions and pools. Kernels keep libtorch's layout, which is ONNX's; "same" and
// asymmetric padding become ONNX's per-side pads, resolved for the exported input size.
#include <ATen/ATen.h>
#include <fmt/format.h>

#include "blox/core/padding.h"
#include "blox/export/onnx_layers.h"
#include "blox/layers/conv.h"
#include "blox/layers/pool.h"

namespace bx {
namespace {

// ONNX pads: all the "before" amounts, then all the "after" ones.
std::vector<int64_t> onnx_pads(const std::vector<std::pair<int64_t, int64_t>>& pads) {
  std::vector<int64_t> out;
  for (const auto& p : pads) out.push_back(p.first);
  for (const auto& p : pads) out.push_back(p.second);
  return out;
}

template <int N>
std::string emit_conv(const Conv<N>& conv, LayerExporter& e, const OnnxValue& x) {
  const ConvSettings& s = conv.settings();
  const std::string where = fmt::format("{} '{}'", conv.kind(), conv.path());
  const auto k = per_dim(s.kernel_size, N, "kernel_size", where);
  const auto stride = per_dim(s.stride, N, "stride", where);
  const auto dilation = per_dim(s.dilation, N, "dilation", where);
  const auto pads = resolve_padding(s.padding, x.sample.sizes().slice(2), k, stride, dilation, where);
  std::vector<std::string> inputs{x.name, e.param(conv, "kernel")};
  if (s.use_bias) inputs.push_back(e.param(conv, "bias"));
  return e.graph().node("Conv", inputs, conv.path() + "/Conv",
                        {{"kernel_shape", k}, {"strides", stride}, {"dilations", dilation}, {"group", s.groups},
                         {"pads", onnx_pads(pads)}});
}

std::string emit_conv_transpose(const ConvTranspose2D& conv, LayerExporter& e, const OnnxValue& x) {
  const ConvSettings& s = conv.settings();
  const std::string where = fmt::format("{} '{}'", conv.kind(), conv.path());
  const auto k = per_dim(s.kernel_size, 2, "kernel_size", where);
  const auto stride = per_dim(s.stride, 2, "stride", where);
  const auto dilation = per_dim(s.dilation, 2, "dilation", where);
  const auto [padding, output_padding] = transposed_padding(s, k, stride, dilation, where);
  std::vector<std::string> inputs{x.name, e.param(conv, "kernel")};
  if (s.use_bias) inputs.push_back(e.param(conv, "bias"));
  return e.graph().node("ConvTranspose", inputs, conv.path() + "/ConvTranspose",
                        {{"kernel_shape", k},
                         {"strides", stride},
                         {"dilations", dilation},
                         {"group", s.groups},
                         {"pads", std::vector<int64_t>{padding[0], padding[1], padding[0], padding[1]}},
                         {"output_padding", output_padding}});
}

template <PoolKind K, int N>
std::string emit_pool(const Pool<K, N>& pool, LayerExporter& e, const OnnxValue& x) {
  const PoolSettings& s = pool.settings();
  const std::string where = fmt::format("{} '{}'", pool.kind(), pool.path());
  const auto window = per_dim(s.window, N, "window", where);
  const auto stride = s.stride.empty() ? window : per_dim(s.stride, N, "stride", where);
  const auto pads = resolve_padding(s.padding, x.sample.sizes().slice(2), window, stride, std::vector<int64_t>(N, 1), where);
  std::vector<OnnxAttribute> attributes{{"kernel_shape", window}, {"strides", stride}, {"pads", onnx_pads(pads)}};
  if (K == PoolKind::max) return e.graph().node("MaxPool", {x.name}, pool.path() + "/MaxPool", attributes);
  // blox's zero padding counts in the average (libtorch's count_include_pad, and "same" pads zeros).
  attributes.push_back({"count_include_pad", int64_t{1}});
  return e.graph().node("AveragePool", {x.name}, pool.path() + "/AveragePool", attributes);
}

}  // namespace

std::optional<std::string> emit_conv_layer(const Layer& layer, LayerExporter& e, const OnnxValue& x) {
  if (const auto* conv = dynamic_cast<const Conv1D*>(&layer)) return emit_conv(*conv, e, x);
  if (const auto* conv = dynamic_cast<const Conv2D*>(&layer)) return emit_conv(*conv, e, x);
  if (const auto* conv = dynamic_cast<const ConvTranspose2D*>(&layer)) return emit_conv_transpose(*conv, e, x);
  if (const auto* pool = dynamic_cast<const MaxPool1D*>(&layer)) return emit_pool(*pool, e, x);
  if (const auto* pool = dynamic_cast<const MaxPool2D*>(&layer)) return emit_pool(*pool, e, x);
  if (const auto* pool = dynamic_cast<const AvgPool1D*>(&layer)) return emit_pool(*pool, e, x);
  if (const auto* pool = dynamic_cast<const AvgPool2D*>(&layer)) return emit_pool(*pool, e, x);
  if (dynamic_cast<const GlobalAvgPool*>(&layer)) {
    OnnxGraph& g = e.graph();
    const std::string pooled = g.node("GlobalAveragePool", {x.name}, layer.path() + "/GlobalAveragePool");
    return g.node("Flatten", {pooled}, layer.path() + "/Flatten", {{"axis", int64_t{1}}});
  }
  return std::nullopt;
}

}  // namespace bx
