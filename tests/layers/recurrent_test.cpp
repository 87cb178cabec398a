// LSTM and GRU: both executions against libtorch's at::lstm / at::gru, on shared params.
#include <ATen/ops/gru.h>
#include <ATen/ops/lstm.h>

#include "layers/layer_check.h"

using namespace bx;
using test::Net;
using test::Layout;

namespace {

RecurrentSettings settings(const char* execution) {
  RecurrentSettings s;
  s.hidden_size = 16;
  s.execution = execution;
  s.bias_init = init::uniform(-0.5, 0.5);  // non-zero biases, so their placement is tested
  return s;
}

at::Tensor lstm_reference(const std::map<std::string, at::Tensor>& w, const at::Tensor& x) {
  const at::Tensor h0 = at::zeros({1, x.size(0), 16});
  const at::Tensor b = w.at("model/lstm/bias");
  return std::get<0>(at::lstm(x, {h0, h0}, {w.at("model/lstm/input_kernel").t(), w.at("model/lstm/recurrent_kernel").t(), b, at::zeros_like(b)},
                              true, 1, 0.0, false, false, true));
}

at::Tensor gru_reference(const std::map<std::string, at::Tensor>& w, const at::Tensor& x) {
  const at::Tensor h0 = at::zeros({1, x.size(0), 16});
  return std::get<0>(at::gru(x, h0, {w.at("model/gru/input_kernel").t(), w.at("model/gru/recurrent_kernel").t(),
                                     w.at("model/gru/input_bias"), w.at("model/gru/recurrent_bias")},
                             true, 1, 0.0, false, false, true));
}
}  // namespace

TEST_CASE("LSTM: both executions match at::lstm in outputs and gradients; params [F, 4H], [H, 4H], [4H]") {
  for (const char* execution : {"unrolled", "fused"}) {
    CAPTURE(execution);
    Net n{"model", 42};
    LSTM lstm(n.graph.child("lstm"), settings(execution), n.rng);
    const Params p = test::check_layer(lstm, n.params, test::randn({2, 5, 8}, 1), lstm_reference);
    CHECK(test::layout(p.split().first) == Layout{"model/lstm/input_kernel [8, 64] trainable",
                                                  "model/lstm/recurrent_kernel [16, 64] trainable",
                                                  "model/lstm/bias [64] trainable"});
  }
}

TEST_CASE("GRU: both executions match at::gru in outputs and gradients") {
  for (const char* execution : {"unrolled", "fused"}) {
    CAPTURE(execution);
    Net n{"model", 42};
    GRU gru(n.graph.child("gru"), settings(execution), n.rng);
    const Params p = test::check_layer(gru, n.params, test::randn({3, 4, 6}, 2), gru_reference);
    CHECK(test::layout(p.split().first) ==
          Layout{"model/gru/input_kernel [6, 48] trainable", "model/gru/recurrent_kernel [16, 48] trainable",
                 "model/gru/input_bias [48] trainable", "model/gru/recurrent_bias [48] trainable"});
  }
}

TEST_CASE("LSTM: the unrolled and fused graphs run on the same params and agree to 1e-5 (seeds §4)") {
  Net unrolled_net{"model", 42}, fused_net{"model", 42};
  LSTM unrolled(unrolled_net.graph.child("lstm"), settings("unrolled"), unrolled_net.rng);
  LSTM fused(fused_net.graph.child("lstm"), settings("fused"), fused_net.rng);
  const at::Tensor x = test::randn({2, 5, 8}, 3);
  Params params = unrolled_net.params;
  RecurrentState state;
  std::tie(state, params) = unrolled.initial_state(params, x.select(1, 0));
  std::tie(std::ignore, params) = unrolled.apply(params, x, state);
  params = params.locked();
  auto [a, pa] = unrolled.apply(params, x, state);
  auto [b, pb] = fused.apply(params, x, state);
  CHECK(test::close(a.outputs, b.outputs, 1e-5));
  CHECK(test::close(a.state.h, b.state.h, 1e-5));
  CHECK(test::close(a.state.c, b.state.c, 1e-5));
  CHECK(test::close(a.state.h, a.outputs.select(1, 4), 0));
}

TEST_CASE("LSTM and GRU: a sequence in two halves with the carried state equals the whole sequence") {
  Net n{"model", 42};
  LSTM lstm(n.graph.child("lstm"), settings("fused"), n.rng);
  GRU gru(n.graph.child("gru"), settings("unrolled"), n.rng);
  const at::Tensor x = test::randn({2, 6, 3}, 4);
  Params p = n.params;
  std::tie(std::ignore, p) = lstm(p, x);
  std::tie(std::ignore, p) = gru(p, x);
  p = p.locked();
  for (const Layer* layer : {static_cast<const Layer*>(&lstm), static_cast<const Layer*>(&gru)}) {
    CAPTURE(layer->kind());
    auto run = [&](const at::Tensor& seq, const RecurrentState& s) {
      return layer == &lstm ? lstm.apply(p, seq, s).first : gru.apply(p, seq, s).first;
    };
    const RecurrentState zero = layer == &lstm ? lstm.initial_state(p, x.select(1, 0)).first
                                               : gru.initial_state(p, x.select(1, 0)).first;
    const RecurrentResult whole = run(x, zero);
    const RecurrentResult first = run(x.narrow(1, 0, 3), zero);
    const RecurrentResult second = run(x.narrow(1, 3, 3), first.state);
    CHECK(test::close(at::cat({first.outputs, second.outputs}, 1), whole.outputs, 1e-5));
  }
}

TEST_CASE("LSTM: bad settings and states are clear errors") {
  Net n{"model", 42};
  RecurrentSettings s = settings("scan");
  CHECK_THROWS_WITH_AS(LSTM(n.graph.child("a"), s, n.rng), doctest::Contains("execution: expected one of fused, unrolled, got 'scan'"),
                       ConfigError);
  LSTM lstm(n.graph.child("lstm"), settings("fused"), n.rng);
  CHECK_THROWS_WITH_AS(lstm(n.params, test::randn({2, 3})), doctest::Contains("expected a sequence (B, T, F)"), ShapeError);
  CHECK_THROWS_WITH_AS(lstm.apply(n.params, test::randn({2, 3, 4}), {at::zeros({2, 16}), at::Tensor()}),
                       doctest::Contains("state c must have shape [2, 16], got none"), ShapeError);
}
