// Dropout: scaling, Rng use, purity in eval mode, and validation.
#include "support/helpers.h"

using namespace bx;

namespace {
struct DropoutFixture {
  Graph graph{"net"};
  std::shared_ptr<Rng> rng = std::make_shared<Rng>(graph.child("rng"));
  Params params = rng->seed(Params(), 42).locked();
};
}  // namespace

TEST_CASE("Dropout: kept elements are scaled by 1/(1-rate) as in at::dropout, dropped ones are 0") {
  DropoutFixture f;
  const double rate = 0.3;
  Dropout dropout(f.graph.child("dropout"), {rate}, f.rng);
  const at::Tensor x = test::randn({200, 100}, 1);
  auto [y, after] = dropout(f.params, x, Mode::train);
  const at::Tensor kept = y != 0;
  CHECK(test::close(y, at::where(kept, x / (1 - rate), at::zeros_like(x))));
  CHECK(kept.to(at::kDouble).mean().item<double>() == doctest::Approx(1 - rate).epsilon(0.02));
  // libtorch's own dropout follows the same convention.
  const at::Tensor y_ref = at::dropout(x, rate, /*train=*/true);
  const at::Tensor kept_ref = y_ref != 0;
  CHECK(test::close(y_ref, at::where(kept_ref, x / (1 - rate), at::zeros_like(x))));
}

TEST_CASE("Dropout: training takes one Rng tick and the same params give the same mask") {
  DropoutFixture f;
  Dropout dropout(f.graph.child("dropout"), {0.5}, f.rng);
  const at::Tensor x = at::ones({4, 8});
  auto [y1, p1] = dropout(f.params, x, Mode::train);
  auto [y2, p2] = dropout(f.params, x, Mode::train);
  CHECK(at::equal(y1, y2));
  CHECK(f.rng->get_counter(p1) == 1);
  auto [y3, p3] = dropout(p1, x, Mode::train);
  CHECK_FALSE(at::equal(y1, y3));
  CHECK(f.rng->get_counter(p3) == 2);
}

TEST_CASE("Dropout: eval mode and rate 0 are pure: identity, no tick, no state change") {
  DropoutFixture f;
  Dropout dropout(f.graph.child("dropout"), {0.5}, f.rng);
  Dropout off(f.graph.child("off"), {0.0}, nullptr);
  const at::Tensor x = test::randn({3, 3});
  auto [y, after] = dropout(f.params, x, Mode::eval);
  CHECK(at::equal(y, x));
  CHECK(bitwise_equal(after, f.params));
  auto [y0, after0] = off(f.params, x, Mode::train);
  CHECK(at::equal(y0, x));
  CHECK(bitwise_equal(after0, f.params));
}

TEST_CASE("Dropout: the gradient is the mask scaled by 1/(1-rate)") {
  DropoutFixture f;
  Dropout dropout(f.graph.child("dropout"), {0.25}, f.rng);
  const at::Tensor x = test::randn({16, 16}).requires_grad_(true);
  auto [y, after] = dropout(f.params, x, Mode::train);
  y.sum().backward();
  const at::Tensor expected = (y != 0).to(at::kFloat) / 0.75;
  CHECK(test::close(x.grad(), expected));
}

TEST_CASE("Dropout: a rate outside [0, 1) is rejected at construction") {
  DropoutFixture f;
  CHECK_THROWS_WITH_AS(Dropout(f.graph.child("a"), {1.0}, f.rng), doctest::Contains("Dropout 'net/a': rate: expected a value in [0, 1), got 1"),
                       ConfigError);
  CHECK_THROWS_AS(Dropout(f.graph.child("b"), {-0.1}, f.rng), ConfigError);
  CHECK_THROWS_WITH_AS(Dropout(f.graph.child("c"), {0.5}, nullptr), doctest::Contains("needs an Rng"), ConfigError);
}
