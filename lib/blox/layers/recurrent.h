// Recurrent layers: LSTM and GRU over (B, T, F) sequences, in two executions sharing params.
#pragma once

#include <memory>
#include <string>

#include "blox/core/init.h"
#include "blox/core/module.h"
#include "blox/core/rng.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of LSTM and GRU; field names are the YAML keys.
struct RecurrentSettings {
  int64_t hidden_size = 0;          ///< H, > 0
  std::string execution = "fused";  ///< "fused": libtorch's at::lstm / at::gru; "unrolled": a step loop
  Init input_kernel_init = init::glorot_uniform();
  Init recurrent_kernel_init = init::orthogonal();
  Init bias_init = init::zeros();

  template <class Visit>
  void fields(Visit& visit) {
    visit("hidden_size", hidden_size, Rule::positive().required(), "H");
    visit("execution", execution, Rule::one_of({"fused", "unrolled"}), "fused: libtorch's kernels; unrolled: a step loop");
    visit("input_kernel_init", input_kernel_init, Rule(), "initializer of the input kernels");
    visit("recurrent_kernel_init", recurrent_kernel_init, Rule(), "initializer of the recurrent kernels");
    visit("bias_init", bias_init, Rule(), "initializer of the biases");
  }
};

/// The carried state: h (B, H); c (B, H) for LSTM, undefined for GRU.
struct RecurrentState {
  at::Tensor h;
  at::Tensor c;
};

/// Outputs (B, T, H) of every step and the state after the last one.
struct RecurrentResult {
  at::Tensor outputs;
  RecurrentState state;
};

/// LSTM with PyTorch's gate order (input, forget, cell, output).
/// Params: `input_kernel` [F, 4H], `recurrent_kernel` [H, 4H], `bias` [4H], trainable. The fused
/// and unrolled executions read the same params, so graphs built with either share them.
class LSTM final : public Layer {
 public:
  /// Throws ConfigError for hidden_size <= 0 or an unknown execution.
  LSTM(Graph graph, RecurrentSettings settings, std::shared_ptr<const Rng> rng);

  /// Zeros for a batch like `x0` (B, F); params come back unchanged.
  std::pair<RecurrentState, Params> initial_state(Params params, const at::Tensor& x0) const;
  /// Runs the sequence from `previous`. sequence: (B, T, F).
  std::pair<RecurrentResult, Params> apply(Params params, const at::Tensor& sequence,
                                           const RecurrentState& previous) const;

  const RecurrentSettings& settings() const { return settings_; }

 protected:
  // x: (B, T, F) -> (B, T, H), from a zero state
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  RecurrentSettings settings_;
};

/// GRU with PyTorch's gate order (reset, update, new) and its placement of the recurrent bias
/// inside the reset product. Params: `input_kernel` [F, 3H], `recurrent_kernel` [H, 3H],
/// `input_bias` [3H], `recurrent_bias` [3H], trainable.
class GRU final : public Layer {
 public:
  GRU(Graph graph, RecurrentSettings settings, std::shared_ptr<const Rng> rng);

  std::pair<RecurrentState, Params> initial_state(Params params, const at::Tensor& x0) const;
  std::pair<RecurrentResult, Params> apply(Params params, const at::Tensor& sequence,
                                           const RecurrentState& previous) const;

  const RecurrentSettings& settings() const { return settings_; }

 protected:
  // x: (B, T, F) -> (B, T, H), from a zero state
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  RecurrentSettings settings_;
};

}  // namespace bx
