// LossScaler: GradScaler's rule (halve on overflow, double after N clean steps), its state in
// the optimizer's Params, and train_step skipping an overflowed update.
#include <limits>

#include <ATen/ops/cross_entropy_loss.h>

#include "support/helpers.h"

using namespace bx;

namespace {

double clean_steps(const Params& state) { return state["optim/loss_scale/clean_steps"].value.item<double>(); }

}  // namespace

TEST_CASE("LossScaler: halves on overflow, doubles after growth_interval clean steps, state on the host") {
  const LossScaler scaler(1024.0, 3);
  Params s = scaler.init();
  CHECK(s.keys() == std::vector<std::string>{"optim/loss_scale/scale", "optim/loss_scale/clean_steps"});
  CHECK(s["optim/loss_scale/scale"].value.device().is_cpu());
  CHECK_FALSE(s["optim/loss_scale/scale"].trainable);
  CHECK(LossScaler::holds("optim/loss_scale/scale"));
  CHECK_FALSE(LossScaler::holds("optim/adam/step"));
  CHECK(LossScaler::scale(s) == 1024.0);
  s = scaler.update(s, true);
  s = scaler.update(s, true);
  CHECK(LossScaler::scale(s) == 1024.0);
  CHECK(clean_steps(s) == 2);
  s = scaler.update(s, false);  // an overflow resets the count
  CHECK(LossScaler::scale(s) == 512.0);
  CHECK(clean_steps(s) == 0);
  for (int i = 0; i < 3; ++i) s = scaler.update(s, true);
  CHECK(LossScaler::scale(s) == 1024.0);
  CHECK(clean_steps(s) == 0);
}

TEST_CASE("LossScaler: unscale divides, all_finite sees inf and NaN") {
  const Params s = LossScaler(8.0).init();
  const Params grads = Params().with("a", Param{at::tensor({8.0f, -4.0f}), true, {}});
  CHECK(at::equal(LossScaler::unscale(grads, s)["a"].value, at::tensor({1.0f, -0.5f})));
  CHECK(LossScaler::all_finite(grads));
  for (float bad : {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    CHECK_FALSE(LossScaler::all_finite(grads.with_value("a", at::tensor({1.0f, bad}))));
  }
}

TEST_CASE("train_step with a loss scaler: the same update as without (a power-of-two scale), an overflow skips it") {
  test::Net net;
  const Graph body = net.graph.child("body");
  Sequential model{body, {std::make_shared<Linear>(body.child("out"), LinearSettings{3}, net.rng)}};
  const at::Tensor x = test::randn({8, 5}, 1);
  const at::Tensor y = at::tensor({0, 1, 2, 0, 1, 2, 0, 1}, at::kLong);
  Params params;
  std::tie(std::ignore, params) = model(net.params, x);
  params = params.locked();
  Adam adam({0.01});
  auto loss = [](const at::Tensor& out, const at::Tensor& t) { return at::cross_entropy_loss(out, t); };
  auto copy = [](const Params& p) { return p.map([](const std::string&, const Param& v) { return v.value.clone(); }); };

  const StepResult plain = train_step(model, adam, loss, make_train_state(copy(params), adam), x, y);
  const StepNumerics scaled{Precision::fp32, std::make_shared<const LossScaler>(65536.0, 2000)};
  const StepResult with_scale = train_step(model, adam, loss, make_train_state(copy(params), adam, scaled), x, y, -1, {}, scaled);
  CHECK_FALSE(with_scale.skipped);
  CHECK(bitwise_equal(with_scale.next.trainable, plain.next.trainable));
  CHECK(clean_steps(with_scale.next.optimizer) == 1);

  // A scale so large that the scaled loss overflows float: no update, the scale halves.
  const StepNumerics huge{Precision::fp32, std::make_shared<const LossScaler>(1e300, 2000)};
  TrainState before = make_train_state(copy(params), adam, huge);
  const Params kept_params = copy(before.trainable);
  const Params kept_optimizer = copy(before.optimizer);
  const StepResult overflow = train_step(model, adam, loss, std::move(before), x, y, -1, {}, huge);
  CHECK(overflow.skipped);
  CHECK(bitwise_equal(overflow.next.trainable, kept_params));
  CHECK(overflow.next.optimizer["optim/adam/step"].value.item<int64_t>() == 0);
  CHECK(LossScaler::scale(overflow.next.optimizer) == 0.5e300);
  CHECK(bitwise_equal(overflow.next.optimizer.filter([](const std::string& p, const Param&) { return !LossScaler::holds(p); }),
                      kept_optimizer.filter([](const std::string& p, const Param&) { return !LossScaler::holds(p); })));
}
