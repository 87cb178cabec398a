// Text from a character language model: the model's next-character logits as its context grows,
// and sampling from them one character at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "blox/core/module.h"
#include "blox/data/text.h"

namespace bx {

/// A language model (ids (1, T) -> logits (1, T, V)) fed one piece of text after another. The
/// model must outlive its context.
class TextContext {
 public:
  virtual ~TextContext() = default;
  /// Appends `ids` (int64, 1-D, not empty) to the context; returns the logits (V,) of the id that
  /// follows them: float32, on the CPU. Throws ShapeError when the model's output is not (1, T, V).
  virtual at::Tensor append(const at::Tensor& ids) = 0;
  /// How the context is computed, for messages: "state carried ..." or "window of N ...".
  virtual std::string describe() const = 0;
};

/// Steps the model: ids go in once and each recurrent layer carries its state to the next
/// append, so a step costs one position. Only for a Sequential (nested ones too) of LSTM / GRU
/// and per-position layers (Embedding, Linear, Activation, Dropout, LayerNorm, RMSNorm,
/// TiedOutput, a Residual of those); nullptr for any other model. `params` on `device`.
std::unique_ptr<TextContext> carried_state_context(const Layer& model, Params params, c10::Device device);

/// Re-runs the whole model on the last `window` ids (0: all of them) at every append: right for
/// any model, the only way for attention, at `window` positions' cost per step.
std::unique_ptr<TextContext> sliding_window_context(const Layer& model, Params params, int64_t window,
                                                    c10::Device device);

/// How generation treats a layer (the contract every layer type meets: tests/layers/layer_contract_test.cpp).
enum class GenerationClass {
  per_position,     ///< maps each position of (B, T, ...) on its own: stepped on the new positions alone
  recurrent,        ///< LSTM, GRU: stepped, carrying its state from call to call
  container,        ///< Sequential, Residual: as its parts
  mixes_positions,  ///< attention, convolutions over time, pools, ...: the model is re-run on a window
};

/// The class of `layer`'s kind (for an activation: of its function and axis); nothing when blox
/// has not classified the kind (generation then re-runs the model on a window, which is correct
/// for every model).
std::optional<GenerationClass> generation_class(const Layer& layer);

/// The carried state when the model can be stepped, else the sliding window of `window` ids
/// (a text run's data.sequence_length: the context the model was trained on).
std::unique_ptr<TextContext> text_context(const Layer& model, Params params, int64_t window, c10::Device device);

struct SamplingOptions {
  double temperature = 1.0;  ///< the logits are divided by it; 0: greedy (the most likely id)
  int64_t top_k = 0;         ///< draw among the k most likely ids only; 0: among all
};

/// The next id from `logits` (V,): the argmax for temperature 0, else one draw from
/// softmax(top-k logits / temperature) with one uniform number of `generator` (inverse CDF, so
/// the same generator state gives the same id on every libtorch). Throws ConfigError for a
/// negative (or NaN) temperature or top_k.
int64_t sample_next(const at::Tensor& logits, const SamplingOptions& options, at::Generator& generator);

struct GenerateOptions {
  int64_t length = 200;  ///< characters to generate, >= 0
  SamplingOptions sampling;
  uint64_t seed = 0;  ///< the same seed (with the same model and prompt) gives the same text
};

/// Throws ConfigError naming the first invalid option.
void check_generate_options(const GenerateOptions& options);

/// The ids a generation starts from: `prompt`'s, or for an empty prompt a line break's (text is
/// generated as if it started on a new line; a vocabulary without one is a ConfigError: give a
/// prompt). A character outside the vocabulary is a DataError naming it and its position.
at::Tensor prompt_ids(const Vocabulary& vocabulary, const std::u32string& prompt);

/// Feeds `prompt` (ids, see prompt_ids) to `context`, then samples `options.length` characters,
/// each fed back as the next input; `emit` gets each one as soon as it is drawn (to stream it).
/// Returns them. Throws ShapeError when the model's logits do not match the vocabulary.
std::u32string generate_text(TextContext& context, const Vocabulary& vocabulary, const at::Tensor& prompt,
                             const GenerateOptions& options, const std::function<void(char32_t)>& emit = {});

}  // namespace bx
