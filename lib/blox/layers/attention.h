// MultiHeadAttention: scaled dot-product attention over H heads, optionally causal.
#pragma once

#include <memory>

#include "blox/core/init.h"
#include "blox/core/module.h"
#include "blox/core/param_scope.h"
#include "blox/core/rng.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of MultiHeadAttention; field names are the YAML keys.
struct AttentionSettings {
  int64_t num_heads = 1;    ///< H, > 0
  int64_t key_size = 0;     ///< K per head; 0: model size D / H (H must divide D)
  int64_t output_size = 0;  ///< 0: the input's model size D
  bool causal = false;      ///< position t attends to positions <= t only
  bool use_bias = true;
  Init kernel_init = init::glorot_uniform();

  template <class Visit>
  void fields(Visit& visit) {
    visit("num_heads", num_heads, Rule::positive(), "attention heads H");
    visit("key_size", key_size, Rule::non_negative(), "K per head; 0: model size D / H");
    visit("output_size", output_size, Rule::non_negative(), "0: the input's model size D");
    visit("causal", causal, Rule(), "position t attends to positions <= t only");
    visit("use_bias", use_bias, Rule(), "biases on the projections");
    visit("kernel_init", kernel_init, Rule(), "initializer of the projections");
  }
};

/// Params (sizes resolved on the first input): `query/kernel`, `key/kernel`, `value/kernel`
/// [D, H*K], `output/kernel` [H*K, D_out], and `<name>/bias` for each when use_bias.
class MultiHeadAttention final : public Layer {
 public:
  MultiHeadAttention(Graph graph, AttentionSettings settings, std::shared_ptr<const Rng> rng);

  /// Attention of `queries` (B, T, D) over `memory` (B, S, D) -> (B, T, D_out). Self-attention
  /// is attend(params, x, x); with causal, T must equal S.
  Output attend(Params params, const at::Tensor& queries, const at::Tensor& memory) const;

  const AttentionSettings& settings() const { return settings_; }

 protected:
  // x: (B, T, D) -> (B, T, D_out)
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  at::Tensor project(ParamScope& p, const at::Tensor& x, const std::string& name, int64_t size) const;

  AttentionSettings settings_;
};

}  // namespace bx
