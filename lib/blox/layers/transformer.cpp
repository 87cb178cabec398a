// Pre-norm transformer block (the GPT-2 arrangement).
#include "blox/layers/transformer.h"

#include <ATen/ops/gelu.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/core/param_scope.h"
#include "blox/layers/linear.h"

namespace bx {

TransformerBlock::TransformerBlock(Graph graph, TransformerBlockSettings settings, std::shared_ptr<const Rng> rng)
    : Layer(graph, "TransformerBlock", rng),
      settings_(settings),
      ln1_(graph.child("ln1"), {settings.eps, true, true}),
      attention_(graph.child("attention"), AttentionSettings{settings.num_heads, 0, 0, settings.causal, true}, rng),
      ln2_(graph.child("ln2"), {settings.eps, true, true}),
      dropout_(graph.child("dropout"), {settings.dropout_rate}, rng) {
  if (settings_.mlp_size < 0) {
    throw ConfigError(fmt::format("TransformerBlock '{}': mlp_size must be >= 0, got {}", path(), settings_.mlp_size));
  }
}

Layer::Output TransformerBlock::forward(Params params, const at::Tensor& x, Mode mode) const {
  if (x.dim() != 3) {
    throw ShapeError(fmt::format("TransformerBlock '{}': expected input (B, T, D), got shape {}", path(),
                                 format_shape(x.sizes())));
  }
  const int64_t d = x.size(2);
  const int64_t m = settings_.mlp_size > 0 ? settings_.mlp_size : 4 * d;
  ParamScope p(*this, std::move(params), x.device());
  // Params are created in call order (one Rng tick each): keep this order.
  const at::Tensor h = x + p.apply(dropout_, p.apply(attention_, p.apply(ln1_, x, mode), mode), mode);
  const at::Tensor normed = p.apply(ln2_, h, mode);
  const at::Tensor w1 = p.get("mlp/hidden/kernel", {d, m}, init::glorot_uniform());
  const at::Tensor b1 = p.get("mlp/hidden/bias", {m}, init::zeros());
  const at::Tensor w2 = p.get("mlp/output/kernel", {m, d}, init::glorot_uniform());
  const at::Tensor b2 = p.get("mlp/output/bias", {d}, init::zeros());
  const at::Tensor y = linear_map(at::gelu(linear_map(normed, w1, b1)), w2, b2);
  return {h + p.apply(dropout_, y, mode), p.release()};
}


void register_transformer(LayerRegistry& registry) {
  registry.add("transformer_block", "pre-norm block: x + attention(norm(x)), then x + mlp(norm(x))",
               TransformerBlockSettings{}, [](LayerBuild& b, const TransformerBlockSettings& s) {
                 return std::make_shared<TransformerBlock>(b.graph, s, b.rng);
               });
}

}  // namespace bx
