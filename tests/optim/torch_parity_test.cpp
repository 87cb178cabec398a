// Every optimizer against libtorch's own (torch::optim) or, for Lion, a reference written here:
// 20 steps on the same params and gradients, to 1e-6 relative.
#include <functional>

#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include "optim/fixtures.h"

using namespace bx;
using test::two_params;

namespace {


// Gradients that depend on the params, as real ones do, with fresh noise each step.
Params grads_for(const Params& params, int step) {
  return params.map([&](const std::string&, const Param& p) {
    return test::randn(p.value.sizes(), 100 + static_cast<uint64_t>(step)) + p.value.detach();
  });
}

using MakeReference = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<at::Tensor>)>;

// 20 steps of `ours` and of the reference optimizer on the same gradients.
void check_parity(const Optimizer& ours, const MakeReference& make_reference) {
  Params params = two_params();
  Params state = ours.init(params);
  std::vector<at::Tensor> ref;
  for (const auto& t : params.tensors()) ref.push_back(t.clone().requires_grad_(true));
  auto reference = make_reference(ref);
  for (int step = 0; step < 20; ++step) {
    const Params grads = grads_for(params, step);
    for (size_t i = 0; i < ref.size(); ++i) ref[i].mutable_grad() = grads.param(i).value.clone();
    reference->step();
    auto result = ours.step(std::move(params), grads, std::move(state));
    params = std::move(result.params);
    state = std::move(result.state);
  }
  for (size_t i = 0; i < ref.size(); ++i) CHECK(test::close(params.param(i).value, ref[i].detach(), 1e-6));
  CHECK(state[ours.step_path()].value.item<int64_t>() == 20);
}

}  // namespace

TEST_CASE("Sgd: 20 steps match torch::optim::SGD for every option combination") {
  for (const SgdSettings& s : std::vector<SgdSettings>{{0.1, 0.0, 0.0, false, 0.0},
                                                       {0.05, 0.9, 0.0, false, 0.0},
                                                       {0.05, 0.9, 0.0, true, 0.0},
                                                       {0.02, 0.8, 0.3, false, 0.01},
                                                       {0.1, 0.5, 0.0, true, 0.001}}) {
    CAPTURE(s.momentum);
    CAPTURE(s.nesterov);
    check_parity(Sgd(s), [&](std::vector<at::Tensor> p) {
      return std::make_unique<torch::optim::SGD>(p, torch::optim::SGDOptions(s.learning_rate)
                                                        .momentum(s.momentum)
                                                        .dampening(s.dampening)
                                                        .nesterov(s.nesterov)
                                                        .weight_decay(s.weight_decay));
    });
  }
}

TEST_CASE("Adam: 20 steps match torch::optim::Adam, with and without L2 weight decay") {
  for (double wd : {0.0, 0.05}) {
    CAPTURE(wd);
    AdamSettings s;
    s.learning_rate = 0.01;
    s.weight_decay = wd;
    check_parity(Adam(s), [&](std::vector<at::Tensor> p) {
      return std::make_unique<torch::optim::Adam>(
          p, torch::optim::AdamOptions(0.01).betas({0.9, 0.999}).eps(1e-8).weight_decay(wd));
    });
  }
}

TEST_CASE("AdamW: 20 steps match torch::optim::AdamW (decoupled weight decay)") {
  AdamSettings s = adamw_defaults();
  s.learning_rate = 0.01;
  s.weight_decay = 0.1;
  s.beta2 = 0.99;
  check_parity(AdamW(s), [](std::vector<at::Tensor> p) {
    return std::make_unique<torch::optim::AdamW>(p, torch::optim::AdamWOptions(0.01).betas({0.9, 0.99}).weight_decay(0.1));
  });
}

TEST_CASE("Rmsprop: 20 steps match torch::optim::RMSprop, plain, centered, with momentum") {
  for (const auto& setting :
       {std::pair{false, 0.0}, std::pair{true, 0.0}, std::pair{true, 0.9}, std::pair{false, 0.5}}) {
    const bool centered = setting.first;
    const double momentum = setting.second;
    CAPTURE(centered);
    CAPTURE(momentum);
    RmspropSettings s;
    s.learning_rate = 0.005;
    s.centered = centered;
    s.momentum = momentum;
    s.weight_decay = 0.01;
    check_parity(Rmsprop(s), [&, c = centered, m = momentum](std::vector<at::Tensor> p) {
      return std::make_unique<torch::optim::RMSprop>(
          p, torch::optim::RMSpropOptions(0.005).alpha(0.99).eps(1e-8).weight_decay(0.01).momentum(m).centered(c));
    });
  }
}

TEST_CASE("Adagrad: 20 steps match torch::optim::Adagrad with lr decay and an initial accumulator") {
  AdagradSettings s;
  s.learning_rate = 0.1;
  s.lr_decay = 0.01;
  s.initial_accumulator_value = 0.1;
  s.weight_decay = 0.01;
  check_parity(Adagrad(s), [](std::vector<at::Tensor> p) {
    return std::make_unique<torch::optim::Adagrad>(
        p, torch::optim::AdagradOptions(0.1).lr_decay(0.01).initial_accumulator_value(0.1).weight_decay(0.01));
  });
}

TEST_CASE("Lion: 20 steps match the paper's algorithm written out here") {
  LionSettings s;
  s.learning_rate = 0.003;
  s.weight_decay = 0.1;
  Lion lion(s);
  Params params = two_params();
  Params state = lion.init(params);
  std::vector<at::Tensor> ref = params.map([](const std::string&, const Param& p) { return p.value.clone(); }).tensors();
  std::vector<at::Tensor> momentum;
  for (const auto& r : ref) momentum.push_back(at::zeros_like(r));
  for (int step = 0; step < 20; ++step) {
    const Params grads = grads_for(params, step);
    for (size_t i = 0; i < ref.size(); ++i) {
      const at::Tensor g = grads.param(i).value;
      const at::Tensor c = 0.9 * momentum[i] + 0.1 * g;
      ref[i] = ref[i] - 0.003 * (at::sign(c) + 0.1 * ref[i]);
      momentum[i] = 0.99 * momentum[i] + 0.01 * g;
    }
    auto result = lion.step(std::move(params), grads, std::move(state));
    params = std::move(result.params);
    state = std::move(result.state);
  }
  for (size_t i = 0; i < ref.size(); ++i) CHECK(test::close(params.param(i).value, ref[i], 1e-6));
}
