// A Keras-style model summary: per layer the output shape, the params and the forward FLOPs
// of one example (blox inspect, blox train --dry-run).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "blox/config/model_builder.h"
#include "blox/core/module.h"

namespace bx {

/// The FLOP formulas, all in one place. Convention: forward pass, eval mode, one example; a
/// multiply-add counts 2, any other arithmetic operation 1. Padding zeros are counted like
/// real inputs and a causal mask does not halve attention (the work done is the full product).
/// Per layer kind (B not counted, "per position" = every index but the last axis):
/// - Linear, TiedOutput: 2 * in * out per position, + out for the bias.
/// - Conv1D/2D: 2 * (C_in / groups * prod(kernel)) * C_out * prod(output spatial), + C_out *
///   prod(output spatial) for the bias. ConvTranspose2D: 2 * C_in * prod(kernel) * C_out / groups
///   per input position, + the bias per output element.
/// - Max/AvgPool: the window size per output element; GlobalAvgPool: 1 per input element.
/// - BatchNorm, LayerNorm, RMSNorm, GroupNorm: kNormPerElement per element.
/// - Activations: kActivationPerElement per element; softmax and log_softmax kSoftmaxPerElement
///   (exp, sum, divide); identity 0. Residual's add: 1 per element.
/// - Embedding 0 (a lookup), Flatten 0, Dropout 0 (the identity in eval); PositionalEmbedding 1
///   per element (the add).
/// - LSTM per step: 2 * (F + H) * 4H + 4H (bias) + 9H (4 gate nonlinearities, c = f*c + i*g,
///   h = o * tanh(c)). GRU per step: 2 * (F + H) * 3H + 6H (two biases) + 8H (3 gate
///   nonlinearities, r * (W_hn h + b_hn) + W_in x, h = n + z * (h - n)).
/// - MultiHeadAttention (T queries, S memory positions, H heads, K per head): the four
///   projections as Linear, 2 * T * S * K * H for Q K^T, 1 per score for the 1/sqrt(K) scale,
///   kSoftmaxPerElement per score, 2 * T * S * K * H for the weights times V.
/// - TransformerBlock: its parts (two LayerNorms, attention, the MLP's two Linears and GELU) and
///   its two residual adds.
namespace flops {

inline constexpr int64_t kActivationPerElement = 1;
inline constexpr int64_t kSoftmaxPerElement = 3;
inline constexpr int64_t kNormPerElement = 5;  ///< statistics, normalization, scale and shift

int64_t linear(int64_t in, int64_t out, int64_t positions, bool bias);
/// `kernel` and `output_spatial`: the products over the spatial dims.
int64_t conv(int64_t c_in, int64_t c_out, int64_t groups, int64_t kernel, int64_t output_spatial, bool bias);
int64_t conv_transpose(int64_t c_in, int64_t c_out, int64_t groups, int64_t kernel, int64_t input_spatial,
                       int64_t output_spatial, bool bias);
int64_t lstm(int64_t features, int64_t hidden, int64_t steps);
int64_t gru(int64_t features, int64_t hidden, int64_t steps);
/// T queries over S memory positions of model size D, H heads of K, output size D_out.
int64_t attention(int64_t queries, int64_t memory, int64_t model_size, int64_t heads, int64_t key_size,
                  int64_t output_size, bool bias);

}  // namespace flops

/// One row of the summary.
struct LayerSummary {
  std::string path;          ///< e.g. "model/conv1"; "model/block1/mlp/hidden" for a block's MLP
  std::string kind;          ///< e.g. "Conv2D"
  int depth = 0;             ///< 0 for the model's own layers, + 1 per container around it
  Shape output_shape;        ///< of the example's forward; axis 0 is the batch axis
  int64_t params = 0;        ///< elements of the params under `path` (state included)
  int64_t flops = 0;         ///< forward FLOPs per example; a container's include its children's
};

struct ModelSummary {
  std::vector<LayerSummary> layers;  ///< in forward order, each container before its children
  int64_t total_params = 0;          ///< every layer param once (the Rng's state not included)
  int64_t total_flops = 0;           ///< the sum over the depth-0 rows
};

/// Runs blox's own eval forward of `model` on `example` (a batch; FLOPs are per example) layer by
/// layer. A Sequential model (a config's) lists its layers at depth 0. ConfigError naming the layer
/// when its kind has no FLOP formula.
ModelSummary summarize_model(const Layer& model, const Params& params, const at::Tensor& example);
/// The model of a config on its dummy example.
ModelSummary summarize_model(const BuiltModel& model);

/// The table: layer (indented under its container), kind, output shape with the batch axis as
/// B, params, FLOPs; then the totals.
std::string model_summary_table(const ModelSummary& summary);

/// {"layers": [{path, kind, depth, output_shape ("B" for the batch axis), params, flops}],
///  "total_flops": N, "total_params": N}.
nlohmann::json model_summary_json(const ModelSummary& summary);

}  // namespace bx
