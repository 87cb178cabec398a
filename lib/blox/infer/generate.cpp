// Generation runs the model in one of two ways. A model that is a chain of recurrent and
// per-position layers is stepped: each new character goes through once, and each LSTM / GRU
// starts from the state its previous append left, which is what running the whole text from a
// zero state computes, at one position's cost. Anything else (attention, convolutions, a layer
// blox cannot reason about) is re-run on a sliding window of the last data.sequence_length
// characters, the context it was trained on: correct for every model, slower per character.
// Deciding per model (not per layer) keeps one rule: a model is either stepped exactly or windowed.
#include "blox/infer/generate.h"

#include <cmath>
#include <functional>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include <ATen/ops/argmax.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/topk.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/rng.h"
#include "blox/core/shape.h"
#include "blox/layers/activation.h"
#include "blox/layers/attention.h"
#include "blox/layers/batch_norm.h"
#include "blox/layers/conv.h"
#include "blox/layers/dropout.h"
#include "blox/layers/embedding.h"
#include "blox/layers/flatten.h"
#include "blox/layers/linear.h"
#include "blox/layers/norm.h"
#include "blox/layers/pool.h"
#include "blox/layers/recurrent.h"
#include "blox/layers/residual.h"
#include "blox/layers/sequential.h"
#include "blox/layers/transformer.h"

namespace bx {
namespace {

template <class... Kinds>
bool is_any(const Layer& layer) {
  return (... || (dynamic_cast<const Kinds*>(&layer) != nullptr));
}

void check_ids(const at::Tensor& ids) {
  if (ids.dim() != 1 || ids.numel() == 0 || ids.scalar_type() != at::kLong) {
    throw ShapeError(fmt::format("generate: expected a non-empty 1-D int64 tensor of ids, got shape {}",
                                 format_shape(ids.sizes())));
  }
}

// The logits after the last of `positions` ids, from the model's output (1, T, V).
at::Tensor last_logits(const at::Tensor& output, int64_t positions) {
  if (output.dim() != 3 || output.size(0) != 1 || output.size(1) != positions) {
    throw ShapeError(fmt::format("generate: a language model maps ids (1, T) to logits (1, T, V); for T = {} the "
                                 "model gave shape {}",
                                 positions, format_shape(output.sizes())));
  }
  return output.select(0, 0).select(0, positions - 1).to(at::kFloat).cpu();
}

// Every position of a container's parts maps on its own.
bool per_position(const Layer& layer) {
  const std::optional<GenerationClass> kind = generation_class(layer);
  if (kind == GenerationClass::per_position) return true;
  if (kind != GenerationClass::container) return false;
  if (const auto* residual = dynamic_cast<const Residual*>(&layer)) {
    for (const auto& part : residual->branch()) {
      if (!per_position(*part)) return false;
    }
    return (!residual->shortcut() || per_position(*residual->shortcut())) &&
           (!residual->after() || per_position(*residual->after()));
  }
  const auto& sequential = dynamic_cast<const Sequential&>(layer);
  for (size_t i = 0; i < sequential.size(); ++i) {
    if (!per_position(sequential.layer(i))) return false;
  }
  return true;
}

// One layer of a stepped model: maps the new positions' inputs (1, T, ...) to its outputs.
using Step = std::function<at::Tensor(const Params& params, const at::Tensor& x)>;

// An LSTM or GRU that goes on from the state the previous call left (zeros before the first,
// as its forward starts).
template <class Recurrent>
Step recurrent_step(const Recurrent& layer) {
  return [&layer, state = std::optional<RecurrentState>()](const Params& params, const at::Tensor& x) mutable {
    if (!state) state = layer.initial_state(params, x.select(1, 0)).first;
    RecurrentResult result = layer.apply(params, x, *state).first;
    state = std::move(result.state);
    return result.outputs;
  };
}

// Appends the steps of `layer` (a Sequential's layers in order); false when one cannot be stepped.
bool collect_steps(const Layer& layer, std::vector<Step>& steps) {
  if (const auto* lstm = dynamic_cast<const LSTM*>(&layer)) {
    steps.push_back(recurrent_step(*lstm));
  } else if (const auto* gru = dynamic_cast<const GRU*>(&layer)) {
    steps.push_back(recurrent_step(*gru));
  } else if (per_position(layer)) {
    steps.push_back([&layer](const Params& params, const at::Tensor& x) { return layer(params, x, Mode::eval).first; });
  } else if (const auto* sequential = dynamic_cast<const Sequential*>(&layer)) {
    for (size_t i = 0; i < sequential->size(); ++i) {
      if (!collect_steps(sequential->layer(i), steps)) return false;
    }
  } else {
    return false;
  }
  return true;
}

class CarriedState final : public TextContext {
 public:
  CarriedState(std::vector<Step> steps, Params params, c10::Device device)
      : steps_(std::move(steps)), params_(std::move(params)), device_(device) {}

  at::Tensor append(const at::Tensor& ids) override {
    check_ids(ids);
    c10::NoGradGuard no_grad;
    at::Tensor x = ids.unsqueeze(0).to(device_);
    for (Step& step : steps_) x = step(params_, x);
    return last_logits(x, ids.numel());
  }

  std::string describe() const override { return "state carried through the recurrent layers, one position a step"; }

 private:
  std::vector<Step> steps_;
  Params params_;
  c10::Device device_;
};

class SlidingWindow final : public TextContext {
 public:
  SlidingWindow(const Layer& model, Params params, int64_t window, c10::Device device)
      : model_(model), params_(std::move(params)), window_(window), device_(device) {}

  at::Tensor append(const at::Tensor& ids) override {
    check_ids(ids);
    c10::NoGradGuard no_grad;
    history_ = history_.defined() ? at::cat({history_, ids.cpu()}) : ids.cpu();
    if (window_ > 0 && history_.size(0) > window_) history_ = history_.slice(0, history_.size(0) - window_);
    const at::Tensor output = model_(params_, history_.unsqueeze(0).to(device_), Mode::eval).first;
    return last_logits(output, history_.size(0));
  }

  std::string describe() const override {
    return window_ > 0 ? fmt::format("window of {} positions, re-run every step", window_)
                       : "whole text re-run every step";
  }

 private:
  const Layer& model_;
  Params params_;
  int64_t window_;
  c10::Device device_;
  at::Tensor history_;  // the ids in the window (CPU)
};

void check_sampling_options(const SamplingOptions& options) {
  if (!(options.temperature >= 0) || std::isinf(options.temperature)) {  // NaN fails too; inf would sample uniformly
    throw ConfigError(fmt::format("generate: the temperature must be a finite number >= 0 (0: always the most likely "
                                  "character), got {}",
                                  options.temperature));
  }
  if (options.top_k < 0) throw ConfigError(fmt::format("generate: top-k must be >= 0 (0: no limit), got {}", options.top_k));
}

}  // namespace

std::optional<GenerationClass> generation_class(const Layer& layer) {
  using G = GenerationClass;
  if (is_any<Sequential, Residual>(layer)) return G::container;
  if (is_any<LSTM, GRU>(layer)) return G::recurrent;
  if (const auto* activation = dynamic_cast<const Activation*>(&layer)) {
    // softmax / log_softmax along another axis than the features' would mix positions
    const std::string& function = activation->settings().function;
    const bool along_features = (function != "softmax" && function != "log_softmax") || activation->settings().axis == -1;
    return along_features ? G::per_position : G::mixes_positions;
  }
  if (is_any<Embedding, Linear, Dropout, LayerNorm, RMSNorm, TiedOutput>(layer)) return G::per_position;
  // Over time or channels: attention, absolute positions, convolutions and pools along T, statistics across axes
  // (batch norm's axis 1 and group norm's groups are positions of a sequence), flattening.
  if (is_any<MultiHeadAttention, TransformerBlock, PositionalEmbedding, Conv1D, Conv2D, ConvTranspose2D, MaxPool1D, MaxPool2D, AvgPool1D,
             AvgPool2D, GlobalAvgPool, BatchNorm, GroupNorm, Flatten>(layer)) {
    return G::mixes_positions;
  }
  return std::nullopt;
}

std::unique_ptr<TextContext> carried_state_context(const Layer& model, Params params, c10::Device device) {
  std::vector<Step> steps;
  if (!collect_steps(model, steps)) return nullptr;
  return std::make_unique<CarriedState>(std::move(steps), std::move(params), device);
}

std::unique_ptr<TextContext> sliding_window_context(const Layer& model, Params params, int64_t window,
                                                    c10::Device device) {
  if (window < 0) throw ConfigError(fmt::format("generate: the context window must be >= 0, got {}", window));
  return std::make_unique<SlidingWindow>(model, std::move(params), window, device);
}

std::unique_ptr<TextContext> text_context(const Layer& model, Params params, int64_t window, c10::Device device) {
  if (std::unique_ptr<TextContext> stepped = carried_state_context(model, params, device)) return stepped;
  return sliding_window_context(model, std::move(params), window, device);
}

int64_t sample_next(const at::Tensor& logits, const SamplingOptions& options, at::Generator& generator) {
  check_sampling_options(options);
  if (options.temperature == 0) return logits.argmax().item<int64_t>();
  // Shifted by the largest first: a tiny temperature then gives -inf (probability 0), never an
  // overflow to inf whose softmax is NaN.
  at::Tensor values = logits.to(at::kDouble).flatten();
  values = (values - values.max()) / options.temperature;
  at::Tensor ids;
  if (options.top_k > 0 && options.top_k < values.numel()) std::tie(values, ids) = at::topk(values, options.top_k);
  const at::Tensor probabilities = at::softmax(values, 0).cumsum(0).contiguous();
  // The first id whose cumulative probability passes one uniform draw.
  const double u = at::rand({}, generator, at::kDouble).item<double>();
  const double* cumulative = probabilities.data_ptr<double>();
  const int64_t n = probabilities.numel();
  int64_t pick = 0;
  while (pick < n - 1 && cumulative[pick] <= u) ++pick;
  return ids.defined() ? ids[pick].item<int64_t>() : pick;
}

void check_generate_options(const GenerateOptions& options) {
  if (options.length < 0) throw ConfigError(fmt::format("generate: the length must be >= 0, got {}", options.length));
  check_sampling_options(options.sampling);
}

at::Tensor prompt_ids(const Vocabulary& vocabulary, const std::u32string& prompt) {
  if (!prompt.empty()) return vocabulary.encode(prompt, "prompt");
  // A model trained on windows of running text has no start-of-text symbol; the start of a line
  // is the closest thing to one.
  try {
    return vocabulary.encode(U"\n", "");
  } catch (const DataError&) {
    throw ConfigError("generate: an empty prompt stands for a line break, which this model's vocabulary does not "
                      "hold; give a prompt");
  }
}

std::u32string generate_text(TextContext& context, const Vocabulary& vocabulary, const at::Tensor& prompt,
                             const GenerateOptions& options, const std::function<void(char32_t)>& emit) {
  check_generate_options(options);
  at::Tensor logits = context.append(prompt);
  if (logits.numel() != vocabulary.size()) {
    throw ShapeError(fmt::format("generate: the model gives {} logits per position, its vocabulary has {} characters",
                                 logits.numel(), vocabulary.size()));
  }
  at::Generator generator = make_generator(Key{options.seed});
  std::u32string text;
  for (int64_t i = 0; i < options.length; ++i) {
    const int64_t id = sample_next(logits, options.sampling, generator);
    const at::Tensor next = at::tensor({id}, at::kLong);
    text += vocabulary.decode(next);
    if (emit) emit(text.back());
    if (i + 1 < options.length) logits = context.append(next);  // no forward for a character never drawn
  }
  return text;
}

}  // namespace bx
