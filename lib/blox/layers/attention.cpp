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
#include "blox/core/memory_budget.h"
#include "blox/schema/settings.h"
#include "blox/layers/linear.h"

namespace bx {

MultiHeadAttention::MultiHeadAttention(Graph graph, AttentionSettings settings, std::shared_ptr<const Rng> rng)
    : Layer(std::move(graph), "MultiHeadAttention", std::move(rng)), settings_(std::move(settings)) {
  check_settings(settings_, fmt::format("MultiHeadAttention '{}'", path()));
}

at::Tensor MultiHeadAttention::project(ParamScope& p, const at::Tensor& x, const std::string& name, int64_t size) const {
  const at::Tensor kernel = p.get(name + "/kernel", {x.size(-1), size}, settings_.kernel_init);
  const at::Tensor bias = settings_.use_bias ? p.get(name + "/bias", {size}, init::zeros()) : at::Tensor();
  return linear_map(x, kernel, bias);
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
  ParamScope p(*this, std::move(params), queries.device());
  const at::Tensor q = project(p, queries, "query", h * k);
  const at::Tensor key = project(p, memory, "key", h * k);
  const at::Tensor value = project(p, memory, "value", h * k);
  // (B, T, H*K) -> (B, H, T, K)
  auto heads = [&](const at::Tensor& x, int64_t len) { return x.view({b, len, h, k}).transpose(1, 2); };
  // The (B, H, T, S) scores, then their softmax: refused before allocating what cannot fit.
  const double score_bytes = static_cast<double>(b) * static_cast<double>(h) * static_cast<double>(t) *
                             static_cast<double>(s) * static_cast<double>(queries.element_size());
  require_memory(fmt::format("{}: the attention scores of {} heads over {} x {} positions (batch {})", where, h, t, s, b),
                 2 * score_bytes, "shorten data.sequence_length (attention's memory grows with its square)");
  ActivationTally::add(2 * score_bytes);
  at::Tensor scores = at::matmul(heads(q, t), heads(key, s).transpose(-2, -1)) / std::sqrt(static_cast<double>(k));
  if (settings_.causal) {
    const at::Tensor future = at::ones({t, s}, queries.options().dtype(at::kBool)).triu(1);
    scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
  }
  const at::Tensor mixed = at::matmul(at::softmax(scores, -1), heads(value, s));  // (B, H, T, K)
  const at::Tensor merged = mixed.transpose(1, 2).reshape({b, t, h * k});
  const at::Tensor out = project(p, merged, "output", settings_.output_size > 0 ? settings_.output_size : d);
  return {out, p.release()};
}


void register_attention(LayerRegistry& registry) {
  registry.add("multi_head_attention", "self-attention over (B, T, D)", AttentionSettings{},
               [](LayerBuild& b, const AttentionSettings& s) { return std::make_shared<MultiHeadAttention>(b.graph, s, b.rng); });
}

}  // namespace bx
