// Multi-head attention written with matmuls and softmax (libtorch 1.13 has no public fused
// scaled-dot-product kernel); the causal mask is -inf above the diagonal before the softmax.
#include "blox/layers/attention.h"

#include <cmath>
#include <limits>

#include <ATen/ops/matmul.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/softmax.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/schema/settings.h"
#include "blox/layers/linear.h"

namespace bx {

MultiHeadAttention::MultiHeadAttention(Graph graph, AttentionSettings settings, std::shared_ptr<const Rng> rng)
    : Layer(std::move(graph), "MultiHeadAttention", std::move(rng)), settings_(std::move(settings)) {
  check_settings(settings_, fmt::format("MultiHeadAttention '{}'", path()));
}

std::pair<at::Tensor, Params> MultiHeadAttention::project(Params params, const at::Tensor& x, const std::string& name,
                                                          int64_t size) const {
  const ParamOptions where{true, x.device(), {}};
  at::Tensor kernel, bias;
  std::tie(kernel, params) = get_param(std::move(params), name + "/kernel", {x.size(-1), size}, settings_.kernel_init, where);
  if (settings_.use_bias) std::tie(bias, params) = get_param(std::move(params), name + "/bias", {size}, init::zeros(), where);
  return {linear_map(x, kernel, bias), std::move(params)};
}

Layer::Output MultiHeadAttention::forward(Params params, const at::Tensor& x, Mode) const {
  return attend(std::move(params), x, x);
}

Layer::Output MultiHeadAttention::attend(Params params, const at::Tensor& queries, const at::Tensor& memory) const {
  const std::string where = fmt::format("MultiHeadAttention '{}'", path());
  if (queries.dim() != 3 || memory.dim() != 3 || queries.size(0) != memory.size(0) || queries.size(2) != memory.size(2)) {
    throw ShapeError(fmt::format("{}: expected queries (B, T, D) and memory (B, S, D), got {} and {}", where,
                                 format_shape(queries.sizes()), format_shape(memory.sizes())));
  }
  const int64_t b = queries.size(0), t = queries.size(1), s = memory.size(1), d = queries.size(2);
  const int64_t h = settings_.num_heads;
  if (settings_.key_size == 0 && d % h != 0) {
    throw ShapeError(fmt::format("{}: model size {} is not divisible by num_heads {}; set key_size", where, d, h));
  }
  if (settings_.causal && t != s) {
    throw ShapeError(fmt::format("{}: causal attention needs as many queries as memory positions, got {} and {}", where, t, s));
  }
  const int64_t k = settings_.key_size > 0 ? settings_.key_size : d / h;
  at::Tensor q, key, value, out;
  std::tie(q, params) = project(std::move(params), queries, "query", h * k);
  std::tie(key, params) = project(std::move(params), memory, "key", h * k);
  std::tie(value, params) = project(std::move(params), memory, "value", h * k);
  // (B, T, H*K) -> (B, H, T, K)
  auto heads = [&](const at::Tensor& x, int64_t len) { return x.view({b, len, h, k}).transpose(1, 2); };
  at::Tensor scores = at::matmul(heads(q, t), heads(key, s).transpose(-2, -1)) / std::sqrt(static_cast<double>(k));
  if (settings_.causal) {
    const at::Tensor future = at::ones({t, s}, queries.options().dtype(at::kBool)).triu(1);
    scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
  }
  const at::Tensor mixed = at::matmul(at::softmax(scores, -1), heads(value, s));  // (B, H, T, K)
  const at::Tensor merged = mixed.transpose(1, 2).reshape({b, t, h * k});
  return project(std::move(params), merged, "output", settings_.output_size > 0 ? settings_.output_size : d);
}


void register_attention(LayerRegistry& registry) {
  registry.add("multi_head_attention", "self-attention over (B, T, D)", AttentionSettings{},
               [](LayerBuild& b, const AttentionSettings& s) { return std::make_shared<MultiHeadAttention>(b.graph, s, b.rng); });
}

}  // namespace bx
