// TransformerBlock: pre-norm self-attention and MLP, each with a residual and dropout.
#pragma once

#include <memory>

#include "blox/core/module.h"
#include "blox/core/rng.h"
#include "blox/layers/attention.h"
#include "blox/layers/dropout.h"
#include "blox/layers/norm.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of TransformerBlock; field names are the YAML keys.
struct TransformerBlockSettings {
  int64_t num_heads = 4;
  int64_t mlp_size = 0;        ///< hidden size of the MLP; 0: 4 * D
  double dropout_rate = 0.1;   ///< after attention and after the MLP, in training
  bool causal = true;
  double eps = 1e-5;           ///< of both LayerNorms

  template <class Visit>
  void fields(Visit& visit) {
    visit("num_heads", num_heads, Rule::positive(), "attention heads");
    visit("mlp_size", mlp_size, Rule::non_negative(), "hidden size of the MLP; 0: 4 D");
    visit("dropout_rate", dropout_rate, Rule::fraction(), "after attention and after the MLP, in training");
    visit("causal", causal, Rule(), "causal self-attention");
    visit("eps", eps, Rule::positive(), "of both LayerNorms");
  }
};

/// h = x + dropout(attention(ln1(x))); y = h + dropout(W2 gelu(W1 ln2(h) + b1) + b2).
/// Children: `ln1`, `attention`, `ln2`, `dropout`; own params `mlp/hidden/{kernel,bias}`
/// [D, M], [M] and `mlp/output/{kernel,bias}` [M, D], [D].
class TransformerBlock final : public Layer {
 public:
  TransformerBlock(Graph graph, TransformerBlockSettings settings, std::shared_ptr<const Rng> rng);

  const TransformerBlockSettings& settings() const { return settings_; }
  const LayerNorm& ln1() const { return ln1_; }
  const MultiHeadAttention& attention() const { return attention_; }
  const LayerNorm& ln2() const { return ln2_; }

 protected:
  // x: (B, T, D) -> (B, T, D)
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  TransformerBlockSettings settings_;
  LayerNorm ln1_;
  MultiHeadAttention attention_;
  LayerNorm ln2_;
  Dropout dropout_;
};

}  // namespace bx
