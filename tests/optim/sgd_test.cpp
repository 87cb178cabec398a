// Sgd: 20 steps against torch::optim::SGD, donation, and validation.
#include <torch/optim/sgd.h>

#include "helpers.h"

using namespace bx;

namespace {
Params two_params() {
  return Params()
      .with("net/w", Param{test::randn({5, 3}, 1), true, {}})
      .with("net/b", Param{test::randn({3}, 2), true, {}});
}
}  // namespace

TEST_CASE("Sgd: 20 steps match torch::optim::SGD to 1e-6 for every option combination") {
  const std::vector<SgdSettings> cases = {
      {0.1, 0.0, 0.0, false, 0.0},  {0.05, 0.9, 0.0, false, 0.0}, {0.05, 0.9, 0.0, true, 0.0},
      {0.02, 0.8, 0.3, false, 0.01}, {0.1, 0.5, 0.0, true, 0.001},
  };
  for (const SgdSettings& s : cases) {
    CAPTURE(s.momentum);
    CAPTURE(s.nesterov);
    CAPTURE(s.dampening);
    CAPTURE(s.weight_decay);
    Sgd sgd(s);
    Params params = two_params();
    Params state = sgd.init(params);
    std::vector<at::Tensor> ref;
    for (const auto& t : params.tensors()) ref.push_back(t.clone().requires_grad_(true));
    torch::optim::SGD torch_sgd(ref, torch::optim::SGDOptions(s.learning_rate)
                                         .momentum(s.momentum)
                                         .dampening(s.dampening)
                                         .nesterov(s.nesterov)
                                         .weight_decay(s.weight_decay));
    for (int step = 0; step < 20; ++step) {
      const Params grads = params.map([&](const std::string&, const Param& p) {
        return test::randn(p.value.sizes(), 100 + static_cast<uint64_t>(step)) + p.value;
      });
      for (size_t i = 0; i < ref.size(); ++i) ref[i].mutable_grad() = grads.param(i).value.clone();
      torch_sgd.step();
      auto result = sgd.step(std::move(params), grads, std::move(state));
      params = std::move(result.params);
      state = std::move(result.state);
    }
    for (size_t i = 0; i < ref.size(); ++i) CHECK(test::close(params.param(i).value, ref[i].detach()));
    CHECK(state[Sgd::step_path()].value.item<int64_t>() == 20);
  }
}

TEST_CASE("Sgd: donated params are updated in place; a caller's kept copy never changes") {
  Sgd sgd({0.5, 0.9});
  Params params = two_params();
  Params state = sgd.init(params);
  const Params grads = params.map([](const std::string&, const Param& p) { return at::ones_like(p.value); });

  const void* buffer = params.param(0).value.data_ptr();
  auto donated = sgd.step(std::move(params), grads, std::move(state));
  CHECK(donated.params.param(0).value.data_ptr() == buffer);

  const Params kept = donated.params;
  const Params kept_state = donated.state;
  const at::Tensor kept_values = kept.param(0).value.clone();
  const at::Tensor kept_momentum = kept_state.param(1).value.clone();
  auto fresh = sgd.step(std::move(donated.params), grads, std::move(donated.state));
  CHECK(fresh.params.param(0).value.data_ptr() != kept.param(0).value.data_ptr());
  CHECK(at::equal(kept.param(0).value, kept_values));
  CHECK(at::equal(kept_state.param(1).value, kept_momentum));
  CHECK_FALSE(at::equal(fresh.params.param(0).value, kept_values));
}

TEST_CASE("Sgd: state paths mirror the trainable paths") {
  Sgd sgd({0.1, 0.9});
  const Params state = sgd.init(two_params());
  CHECK(state.keys() == std::vector<std::string>{"optim/sgd/step", "optim/sgd/momentum/net/w", "optim/sgd/momentum/net/b"});
  CHECK_FALSE(state["optim/sgd/momentum/net/w"].trainable);
  CHECK(Sgd({0.1}).init(two_params()).size() == 1);
}

TEST_CASE("Sgd: invalid settings name the bad value") {
  CHECK_THROWS_WITH_AS(Sgd({-0.1}), doctest::Contains("learning_rate must be >= 0, got -0.1"), ConfigError);
  CHECK_THROWS_AS(Sgd({0.1, -1.0}), ConfigError);
  CHECK_THROWS_WITH_AS(Sgd({0.1, 0.0, 0.0, true}), doctest::Contains("nesterov needs momentum > 0"), ConfigError);
}

TEST_CASE("Sgd: grads with other paths are rejected") {
  Sgd sgd({0.1});
  Params params = two_params();
  const Params grads = params.filter([](const std::string& k, const Param&) { return k == "net/w"; });
  CHECK_THROWS_AS(sgd.step(std::move(params), grads, sgd.init(two_params())), ParamsError);
}
