// Gradient accumulation: 4 micro-batches give the update of one batch 4x larger.
#include "support/helpers.h"

using namespace bx;

TEST_CASE("GradientAccumulator: the mean over 4 micro-batches equals one 4x batch, and so do the params (1e-5)") {
  test::Net n;
  Graph body = n.graph.child("mlp");
  Sequential model(body, {std::make_shared<Linear>(body.child("hidden"), LinearSettings{16}, n.rng),
                          std::make_shared<Activation>(body.child("tanh"), ActivationSettings{"tanh"}),
                          std::make_shared<Linear>(body.child("out"), LinearSettings{3}, n.rng)});
  const at::Tensor x = test::randn({32, 8}, 1);
  const at::Tensor y = test::randn({32, 3}, 2);
  const Params params = model(n.params, x).second.locked();
  const auto [trainable_part, state_part] = params.split();
  const Params trainable = trainable_part, state = state_part;  // the lambda takes variables, not bindings
  auto grads_of = [&](const at::Tensor& xb, const at::Tensor& yb) {
    const Params t = trainable.requiring_grad();
    const at::Tensor loss = (model(t.merge(state), xb).first - yb).pow(2).mean();
    return grad(loss, t);
  };

  GradientAccumulator accumulator;
  for (int64_t k = 0; k < 4; ++k) accumulator.add(grads_of(x.narrow(0, 8 * k, 8), y.narrow(0, 8 * k, 8)));
  CHECK(accumulator.count() == 4);
  const Params accumulated = accumulator.mean();
  const Params full = grads_of(x, y);
  for (size_t i = 0; i < full.size(); ++i) CHECK(test::close(accumulated.param(i).value, full.param(i).value, 1e-5));

  Adam adam({0.01});
  const auto a = adam.step(Params(trainable).map([](const std::string&, const Param& p) { return p.value.clone(); }),
                           accumulated, adam.init(trainable));
  const auto b = adam.step(Params(trainable).map([](const std::string&, const Param& p) { return p.value.clone(); }),
                           full, adam.init(trainable));
  for (size_t i = 0; i < full.size(); ++i) CHECK(test::close(a.params.param(i).value, b.params.param(i).value, 1e-5));

  accumulator.reset();
  CHECK_THROWS_AS(accumulator.mean(), ParamsError);
}
