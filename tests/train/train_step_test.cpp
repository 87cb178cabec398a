// train_step: the same update as a hand-written step, buffers reused in place, state carried.
#include <ATen/ops/cross_entropy_loss.h>

#include "support/helpers.h"

using namespace bx;

namespace {
struct Mlp {
  Graph net{"net"};
  std::shared_ptr<Rng> rng = std::make_shared<Rng>(net.child("rng"));
  Graph body = net.child("mlp");
  Sequential model{body,
                   {std::make_shared<Linear>(body.child("hidden"), LinearSettings{16}, rng),
                    std::make_shared<Activation>(body.child("relu"), ActivationSettings{"relu"}),
                    std::make_shared<Dropout>(body.child("dropout"), DropoutSettings{0.2}, rng),
                    std::make_shared<Linear>(body.child("out"), LinearSettings{3}, rng)}};

  Params init(const at::Tensor& x) {
    Params p = rng->seed(Params(), 5);
    std::tie(std::ignore, p) = model(p, x);
    return p.locked();
  }
};

at::Tensor cross_entropy(const at::Tensor& logits, const at::Tensor& y) { return at::cross_entropy_loss(logits, y); }
}  // namespace

TEST_CASE("train_step: matches a hand-written step and carries the Rng counter") {
  Mlp m;
  const at::Tensor x = test::randn({8, 6}, 1);
  const at::Tensor y = at::tensor({0, 1, 2, 0, 1, 2, 0, 1}, at::kLong);
  const Params params = m.init(x);
  Sgd sgd({0.1, 0.9});

  // Reference: the same step written out by hand on copies.
  auto [t_ref, s_ref] = params.split();
  const Params t_grad = t_ref.map([](const std::string&, const Param& p) { return p.value.clone(); }).requiring_grad();
  auto [out_ref, after_ref] = m.model(t_grad.merge(s_ref), x, Mode::train);
  const Params g_ref = grad(cross_entropy(out_ref, y), t_grad);
  const auto expected = sgd.step(t_grad.detached(), g_ref, sgd.init(t_ref));

  StepResult r = train_step(m.model, sgd, cross_entropy, make_train_state(params, sgd), x, y);
  CHECK_FALSE(r.loss.requires_grad());
  for (size_t i = 0; i < expected.params.size(); ++i) {
    CHECK(test::close(r.next.trainable.param(i).value, expected.params.param(i).value));
  }
  CHECK(m.rng->get_counter(r.next.state) == m.rng->get_counter(params) + 1);  // one dropout tick
}

TEST_CASE("train_step: param and optimizer buffers are updated in place across steps") {
  Mlp m;
  const at::Tensor x = test::randn({8, 6}, 1);
  const at::Tensor y = at::tensor({0, 1, 2, 0, 1, 2, 0, 1}, at::kLong);
  Sgd sgd({0.1, 0.9});
  TrainState s = make_train_state(m.init(x), sgd);
  StepResult r = train_step(m.model, sgd, cross_entropy, std::move(s), x, y);
  const void* kernel = r.next.trainable.param(0).value.data_ptr();
  const void* momentum = r.next.optimizer.param(1).value.data_ptr();
  double first_loss = r.loss.item<double>();
  for (int i = 0; i < 30; ++i) r = train_step(m.model, sgd, cross_entropy, std::move(r.next), x, y);
  CHECK(r.next.trainable.param(0).value.data_ptr() == kernel);
  CHECK(r.next.optimizer.param(1).value.data_ptr() == momentum);
  CHECK(r.loss.item<double>() < 0.5 * first_loss);
}
