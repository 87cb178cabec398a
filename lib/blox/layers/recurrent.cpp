// LSTM and GRU. The unrolled execution precomputes the input projection of all steps at once,
// then loops; the fused one hands the same weights (as transposed views) to libtorch.
#include "blox/layers/recurrent.h"

#include <ATen/ops/gru.h>
#include <ATen/ops/lstm.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/tanh.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/core/param_scope.h"
#include "blox/schema/settings.h"

namespace bx {
namespace {


void check_inputs(const at::Tensor& sequence, const RecurrentState& previous, bool needs_c, int64_t hidden,
                  const std::string& where) {
  if (sequence.dim() != 3) {
    throw ShapeError(fmt::format("{}: expected a sequence (B, T, F), got shape {}", where, format_shape(sequence.sizes())));
  }
  const Shape state_shape{sequence.size(0), hidden};
  auto check = [&](const at::Tensor& t, const char* name) {
    if (!t.defined() || t.sizes() != c10::IntArrayRef(state_shape)) {
      throw ShapeError(fmt::format("{}: state {} must have shape {}, got {}", where, name, format_shape(state_shape),
                                   t.defined() ? format_shape(t.sizes()) : "none"));
    }
  };
  check(previous.h, "h");
  if (needs_c) check(previous.c, "c");
}

at::Tensor zeros_state(const at::Tensor& x0, int64_t hidden) {
  return at::zeros({x0.size(0), hidden}, x0.options().dtype(at::kFloat));
}

// The two kernels, shared by LSTM (gates = 4) and GRU (gates = 3).
std::pair<at::Tensor, at::Tensor> kernels(ParamScope& p, int64_t features, int64_t gates, const RecurrentSettings& s) {
  const at::Tensor wi = p.get("input_kernel", {features, gates * s.hidden_size}, s.input_kernel_init);
  const at::Tensor wh = p.get("recurrent_kernel", {s.hidden_size, gates * s.hidden_size}, s.recurrent_kernel_init);
  return {wi, wh};
}

}  // namespace

LSTM::LSTM(Graph graph, RecurrentSettings settings, std::shared_ptr<const Rng> rng)
    : Layer(std::move(graph), "LSTM", std::move(rng)), settings_(std::move(settings)) {
  check_settings(settings_, fmt::format("LSTM '{}'", path()));
}

std::pair<RecurrentState, Params> LSTM::initial_state(Params params, const at::Tensor& x0) const {
  return {{zeros_state(x0, settings_.hidden_size), zeros_state(x0, settings_.hidden_size)}, std::move(params)};
}

std::pair<RecurrentResult, Params> LSTM::apply(Params params, const at::Tensor& sequence,
                                               const RecurrentState& previous) const {
  const int64_t hidden = settings_.hidden_size;
  check_inputs(sequence, previous, true, hidden, fmt::format("LSTM '{}'", path()));
  ParamScope p(*this, std::move(params), sequence.device());
  const auto [wi, wh] = kernels(p, sequence.size(2), 4, settings_);
  const at::Tensor bias = p.get("bias", {4 * hidden}, settings_.bias_init);
  if (settings_.execution == "fused") {
    auto [outputs, h, c] = at::lstm(sequence, {previous.h.unsqueeze(0), previous.c.unsqueeze(0)},
                                    {wi.t(), wh.t(), bias, at::zeros_like(bias)}, /*has_biases=*/true,
                                    /*num_layers=*/1, /*dropout=*/0.0, /*train=*/false, /*bidirectional=*/false,
                                    /*batch_first=*/true);
    return {{outputs, {h.squeeze(0), c.squeeze(0)}}, p.release()};
  }
  const at::Tensor projected = at::matmul(sequence, wi) + bias;  // (B, T, 4H)
  at::Tensor h = previous.h, c = previous.c;
  std::vector<at::Tensor> outputs;
  outputs.reserve(static_cast<size_t>(sequence.size(1)));
  for (int64_t t = 0; t < sequence.size(1); ++t) {
    const auto gates = (projected.select(1, t) + at::matmul(h, wh)).chunk(4, 1);
    c = at::sigmoid(gates[1]) * c + at::sigmoid(gates[0]) * at::tanh(gates[2]);
    h = at::sigmoid(gates[3]) * at::tanh(c);
    outputs.push_back(h);
  }
  return {{at::stack(outputs, 1), {h, c}}, p.release()};
}

Layer::Output LSTM::forward(Params params, const at::Tensor& x, Mode) const {
  RecurrentState state;
  std::tie(state, params) = initial_state(std::move(params), x.dim() == 3 ? x.select(1, 0) : x);
  auto [result, out] = apply(std::move(params), x, state);
  return {result.outputs, std::move(out)};
}

GRU::GRU(Graph graph, RecurrentSettings settings, std::shared_ptr<const Rng> rng)
    : Layer(std::move(graph), "GRU", std::move(rng)), settings_(std::move(settings)) {
  check_settings(settings_, fmt::format("GRU '{}'", path()));
}

std::pair<RecurrentState, Params> GRU::initial_state(Params params, const at::Tensor& x0) const {
  return {{zeros_state(x0, settings_.hidden_size), at::Tensor()}, std::move(params)};
}

std::pair<RecurrentResult, Params> GRU::apply(Params params, const at::Tensor& sequence,
                                              const RecurrentState& previous) const {
  const int64_t hidden = settings_.hidden_size;
  check_inputs(sequence, previous, false, hidden, fmt::format("GRU '{}'", path()));
  ParamScope p(*this, std::move(params), sequence.device());
  const auto [wi, wh] = kernels(p, sequence.size(2), 3, settings_);
  const at::Tensor bi = p.get("input_bias", {3 * hidden}, settings_.bias_init);
  const at::Tensor bh = p.get("recurrent_bias", {3 * hidden}, settings_.bias_init);
  if (settings_.execution == "fused") {
    auto [outputs, h] = at::gru(sequence, previous.h.unsqueeze(0), {wi.t(), wh.t(), bi, bh}, /*has_biases=*/true,
                                /*num_layers=*/1, /*dropout=*/0.0, /*train=*/false, /*bidirectional=*/false,
                                /*batch_first=*/true);
    return {{outputs, {h.squeeze(0), at::Tensor()}}, p.release()};
  }
  const at::Tensor projected = at::matmul(sequence, wi) + bi;  // (B, T, 3H)
  at::Tensor h = previous.h;
  std::vector<at::Tensor> outputs;
  outputs.reserve(static_cast<size_t>(sequence.size(1)));
  for (int64_t t = 0; t < sequence.size(1); ++t) {
    const auto x_gates = projected.select(1, t).chunk(3, 1);
    const auto h_gates = (at::matmul(h, wh) + bh).chunk(3, 1);
    const at::Tensor reset = at::sigmoid(x_gates[0] + h_gates[0]);
    const at::Tensor update = at::sigmoid(x_gates[1] + h_gates[1]);
    const at::Tensor candidate = at::tanh(x_gates[2] + reset * h_gates[2]);
    h = (1 - update) * candidate + update * h;
    outputs.push_back(h);
  }
  return {{at::stack(outputs, 1), {h, at::Tensor()}}, p.release()};
}

Layer::Output GRU::forward(Params params, const at::Tensor& x, Mode) const {
  RecurrentState state;
  std::tie(state, params) = initial_state(std::move(params), x.dim() == 3 ? x.select(1, 0) : x);
  auto [result, out] = apply(std::move(params), x, state);
  return {result.outputs, std::move(out)};
}


namespace {
}  // namespace

void register_recurrent(LayerRegistry& registry) {
  registry.add("lstm", "LSTM over (B, T, F), all hidden states out", RecurrentSettings{},
               [](LayerBuild& b, const RecurrentSettings& s) { return std::make_shared<LSTM>(b.graph, s, b.rng); });
  registry.add("gru", "GRU over (B, T, F), all hidden states out", RecurrentSettings{},
               [](LayerBuild& b, const RecurrentSettings& s) { return std::make_shared<GRU>(b.graph, s, b.rng); });
}

}  // namespace bx
