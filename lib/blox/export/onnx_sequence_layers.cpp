// Sequence layers: Embedding -> Gather, the tied output, LSTM/GRU -> ONNX's recurrent ops (gate
// order and bias layout converted), attention and transformer blocks decomposed into MatMul and
// Softmax with the causal mask as a constant.
#include <cmath>
#include <limits>

#include <ATen/ATen.h>

#include "blox/export/onnx_layers.h"
#include "blox/layers/attention.h"
#include "blox/layers/embedding.h"
#include "blox/layers/recurrent.h"
#include "blox/layers/transformer.h"

namespace bx {
namespace {

// A [in, gates * H] kernel in blox's gate order as ONNX's [1, gates * H, in] in `order`
// (indices of blox gates), and likewise a [gates * H] bias.
at::Tensor onnx_weight(const at::Tensor& kernel, const std::vector<int64_t>& order) {
  std::vector<at::Tensor> gates;
  const auto chunks = kernel.t().chunk(static_cast<int64_t>(order.size()), 0);
  for (int64_t i : order) gates.push_back(chunks[static_cast<size_t>(i)]);
  return at::cat(gates, 0).unsqueeze(0);
}

at::Tensor onnx_bias(const at::Tensor& bias, const std::vector<int64_t>& order) {
  return onnx_weight(bias.unsqueeze(0), order).squeeze(-1);
}

// (B, T, F) -> ONNX's time-major recurrent op -> (B, T, H).
std::string emit_recurrent(LayerExporter& e, const Layer& layer, const std::string& op, const OnnxValue& x,
                           int64_t hidden, const std::vector<int64_t>& order, const at::Tensor& bias,
                           std::vector<OnnxAttribute> attributes) {
  OnnxGraph& g = e.graph();
  const std::string at = layer.path();
  const std::string time_major =
      g.node("Transpose", {x.name}, at + "/TimeMajor", {{"perm", std::vector<int64_t>{1, 0, 2}}});
  const std::string w = g.constant(at + "/" + op + "_W", onnx_weight(e.value(layer, "input_kernel"), order));
  const std::string r = g.constant(at + "/" + op + "_R", onnx_weight(e.value(layer, "recurrent_kernel"), order));
  const std::string b = g.constant(at + "/" + op + "_B", bias);
  attributes.push_back({"hidden_size", hidden});
  const std::string y = g.node(op, {time_major, w, r, b}, at + "/" + op, 1, attributes).front();  // (T, 1, B, H)
  const std::string squeezed = g.node("Squeeze", {y, g.ints(at + "/direction_axis", {1})}, at + "/Squeeze");
  return g.node("Transpose", {squeezed}, at + "/BatchMajor", {{"perm", std::vector<int64_t>{1, 0, 2}}});
}

// (B, L, H*K) -> (B, H, L, K), or (B, H, K, L) for keys.
std::string heads(OnnxGraph& g, const std::string& x, int64_t h, int64_t k, bool keys, const std::string& at) {
  const std::string split = g.node("Reshape", {x, g.ints(at + "/heads_shape", {0, 0, h, k})}, at + "/SplitHeads");
  const std::vector<int64_t> perm = keys ? std::vector<int64_t>{0, 2, 3, 1} : std::vector<int64_t>{0, 2, 1, 3};
  return g.node("Transpose", {split}, at + "/Heads", {{"perm", perm}});
}

std::string emit_attention(const MultiHeadAttention& attention, LayerExporter& e, const OnnxValue& x) {
  OnnxGraph& g = e.graph();
  const AttentionSettings& s = attention.settings();
  const std::string at = attention.path();
  const int64_t t = x.sample.size(1), d = x.sample.size(2), h = s.num_heads;
  const int64_t k = s.key_size > 0 ? s.key_size : d / h;
  auto project = [&](const std::string& name, const std::string& input) {
    const std::string bias = s.use_bias ? e.param(attention, name + "/bias") : "";
    return emit_linear(g, input, 3, e.param(attention, name + "/kernel"), bias, at + "/" + name);
  };
  const std::string q = heads(g, project("query", x.name), h, k, false, at + "/query");
  const std::string key = heads(g, project("key", x.name), h, k, true, at + "/key");
  const std::string value = heads(g, project("value", x.name), h, k, false, at + "/value");
  std::string scores = g.node("Div", {g.node("MatMul", {q, key}, at + "/QK"), g.scalar(at + "/scale", std::sqrt(float(k)))},
                              at + "/Scores");
  if (s.causal) {
    // -inf above the diagonal for the exported sequence length (fixed: the mask is a constant).
    const at::Tensor mask = at::full({t, t}, -std::numeric_limits<float>::infinity(), at::kFloat).triu(1);
    scores = g.node("Add", {scores, g.constant(at + "/causal_mask", mask)}, at + "/Masked");
  }
  const std::string weights = g.node("Softmax", {scores}, at + "/Softmax", {{"axis", int64_t{-1}}});
  const std::string mixed = g.node("MatMul", {weights, value}, at + "/Mixed");  // (B, H, T, K)
  const std::string merged = g.node(
      "Reshape",
      {g.node("Transpose", {mixed}, at + "/MergeOrder", {{"perm", std::vector<int64_t>{0, 2, 1, 3}}}),
       g.ints(at + "/merged_shape", {0, 0, h * k})},
      at + "/MergeHeads");
  return project("output", merged);
}

std::string emit_transformer(const TransformerBlock& block, LayerExporter& e, const OnnxValue& x) {
  OnnxGraph& g = e.graph();
  const std::string at = block.path();
  // Dropout is the identity in eval: x + attention(ln1(x)), then h + mlp(ln2(h)).
  const OnnxValue attended = e.emit(block.attention(), e.emit(block.ln1(), x));
  const std::string h = g.node("Add", {x.name, attended.name}, at + "/AttentionResidual");
  const OnnxValue normed = e.emit(block.ln2(), {h, x.sample + attended.sample});
  const std::string hidden = emit_linear(g, normed.name, 3, e.param(block, "mlp/hidden/kernel"),
                                         e.param(block, "mlp/hidden/bias"), at + "/mlp/hidden");
  const std::string y = emit_linear(g, emit_activation(g, "gelu", -1, hidden, at + "/mlp"), 3,
                                    e.param(block, "mlp/output/kernel"), e.param(block, "mlp/output/bias"),
                                    at + "/mlp/output");
  return g.node("Add", {h, y}, at + "/MlpResidual");
}

}  // namespace

std::optional<std::string> emit_sequence_layer(const Layer& layer, LayerExporter& e, const OnnxValue& x) {
  OnnxGraph& g = e.graph();
  if (const auto* embedding = dynamic_cast<const Embedding*>(&layer)) {
    return g.node("Gather", {e.param(*embedding, "table"), x.name}, layer.path() + "/Gather", {{"axis", int64_t{0}}});
  }
  if (const auto* positions = dynamic_cast<const PositionalEmbedding*>(&layer)) {
    // The table's first T rows (T: the exported sample's length), added to every batch row.
    const std::string& at = layer.path();
    const std::string rows = g.node("Slice", {e.param(*positions, "table"), g.ints(at + "/starts", {0}),
                                              g.ints(at + "/ends", {x.sample.size(1)}), g.ints(at + "/axes", {0})},
                                    at + "/Slice");
    return g.node("Add", {x.name, rows}, at + "/Add");
  }
  if (const auto* tied = dynamic_cast<const TiedOutput*>(&layer)) {
    // The embedding's own table (one copy in the file), transposed in the graph.
    const std::string table = g.node("Transpose", {e.param(tied->embedding(), "table")}, layer.path() + "/TableT",
                                     {{"perm", std::vector<int64_t>{1, 0}}});
    const std::string bias = tied->settings().use_bias ? e.param(*tied, "bias") : "";
    return emit_linear(g, x.name, 3, table, bias, layer.path());
  }
  if (const auto* lstm = dynamic_cast<const LSTM*>(&layer)) {
    // blox (PyTorch) gates i, f, g, o; ONNX's i, o, f, c. blox's one bias goes to Wb, Rb is zero.
    const std::vector<int64_t> order{0, 3, 1, 2};
    const at::Tensor wb = onnx_bias(e.value(*lstm, "bias"), order);
    return emit_recurrent(e, layer, "LSTM", x, lstm->settings().hidden_size, order,
                          at::cat({wb, at::zeros_like(wb)}, 1), {});
  }
  if (const auto* gru = dynamic_cast<const GRU*>(&layer)) {
    // blox (PyTorch) gates r, z, n; ONNX's z, r, h, with the recurrent bias inside the reset
    // product: linear_before_reset.
    const std::vector<int64_t> order{1, 0, 2};
    const at::Tensor bias =
        at::cat({onnx_bias(e.value(*gru, "input_bias"), order), onnx_bias(e.value(*gru, "recurrent_bias"), order)}, 1);
    return emit_recurrent(e, layer, "GRU", x, gru->settings().hidden_size, order, bias,
                          {{"linear_before_reset", int64_t{1}}});
  }
  if (const auto* attention = dynamic_cast<const MultiHeadAttention*>(&layer)) return emit_attention(*attention, e, x);
  if (const auto* block = dynamic_cast<const TransformerBlock*>(&layer)) return emit_transformer(*block, e, x);
  return std::nullopt;
}

}  // namespace bx
