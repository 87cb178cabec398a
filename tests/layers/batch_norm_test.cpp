// BatchNorm: numerics, running statistics against torch::nn::BatchNorm2d, and purity in eval.
#include <torch/nn/modules/batchnorm.h>

#include "layers/layer_check.h"

using namespace bx;
using test::Layout;

TEST_CASE("BatchNorm: scale/bias trainable, mean/var non-trainable [C]; train mode matches at::batch_norm") {
  Graph g("net");
  BatchNorm bn(g.child("bn"));
  const at::Tensor x = test::randn({8, 3, 5, 4}, 1) * 2 + 1;
  const Params p = test::check_layer(
      bn, Params(), x,
      [](const auto& w, const at::Tensor& in) {
        return at::batch_norm(in, w.at("net/bn/scale"), w.at("net/bn/bias"), {}, {}, true, 0.1, 1e-5, false);
      },
      1e-5, Mode::train);
  CHECK(test::layout(p) == Layout{"net/bn/scale [3] trainable", "net/bn/bias [3] trainable", "net/bn/mean [3] state",
                                  "net/bn/var [3] state"});
}

TEST_CASE("BatchNorm: running statistics match torch::nn::BatchNorm2d after 3 training steps, then eval matches") {
  Graph g("net");
  BatchNorm bn(g.child("bn"), {0.9, 1e-5});
  torch::nn::BatchNorm2d reference(torch::nn::BatchNorm2dOptions(3).momentum(0.1).eps(1e-5));
  reference->train();
  Params p;
  for (int step = 0; step < 3; ++step) {
    const at::Tensor x = test::randn({6, 3, 4, 4}, 10 + static_cast<uint64_t>(step)) * (step + 1) + step;
    at::Tensor y;
    std::tie(y, p) = bn(p, x, Mode::train);
    CHECK(test::close(y, reference->forward(x).detach(), 1e-5));
  }
  CHECK(test::close(p["net/bn/mean"].value, reference->running_mean, 1e-6));
  CHECK(test::close(p["net/bn/var"].value, reference->running_var, 1e-6));
  reference->eval();
  const at::Tensor x = test::randn({2, 3, 4, 4}, 20);
  CHECK(test::close(bn(p, x, Mode::eval).first, reference->forward(x).detach(), 1e-5));
}

TEST_CASE("BatchNorm: eval mode is pure and training never changes the params passed in") {
  Graph g("net");
  BatchNorm bn(g.child("bn"));
  const at::Tensor x = test::randn({4, 2}, 3);
  const Params p = bn(Params(), x, Mode::train).second.locked();
  const Params before = p.map([](const std::string&, const Param& q) { return q.value.clone(); });
  auto [y, after_eval] = bn(p, x, Mode::eval);
  CHECK(bitwise_equal(after_eval, p));
  auto [y2, after_train] = bn(p, x, Mode::train);
  CHECK(bitwise_equal(p, before));
  CHECK_FALSE(at::equal(after_train["net/bn/mean"].value, p["net/bn/mean"].value));
}

TEST_CASE("BatchNorm: statistics marked fixed (freeze_batch_stats) are used and kept in training, as in eval") {
  Graph g("net");
  BatchNorm bn(g.child("bn"));
  Params p = bn(Params(), test::randn({6, 3}, 4) * 3 + 2, Mode::train).second;  // statistics away from 0 and 1
  Param mean = p["net/bn/mean"];
  mean.meta[kFixedStatistics] = "true";
  p = p.with("net/bn/mean", mean).locked();
  const at::Tensor x = test::randn({5, 3}, 5);
  auto [y, after] = bn(p, x, Mode::train);
  CHECK(bitwise_equal(after, p));
  CHECK(at::equal(y, bn(p, x, Mode::eval).first));
}

TEST_CASE("BatchNorm: bad settings and single-value batches are errors") {
  Graph g("net");
  CHECK_THROWS_WITH_AS(BatchNorm(g.child("a"), {1.0}), doctest::Contains("BatchNorm 'net/a': momentum: expected a value in [0, 1), got 1"), ConfigError);
  CHECK_THROWS_AS(BatchNorm(g.child("b"), {0.9, 0.0}), ConfigError);
  BatchNorm bn(g.child("bn"));
  CHECK_THROWS_WITH_AS(bn(Params(), test::randn({1, 3}), Mode::train), doctest::Contains("more than one value per channel"),
                       ShapeError);
}
