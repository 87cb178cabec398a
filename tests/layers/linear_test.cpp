// Linear: lazy shapes, params, numerics and gradients against at::linear.
#include "support/helpers.h"

using namespace bx;

namespace {
struct LinearFixture {
  Graph graph{"net"};
  std::shared_ptr<Rng> rng = std::make_shared<Rng>(graph.child("rng"));
};
}  // namespace

TEST_CASE("Linear: maps (B, in) to (B, out) with kernel [in, out] and bias [out]") {
  LinearFixture f;
  Linear linear(f.graph.child("linear"), {4}, f.rng);
  Params p = f.rng->seed(Params(), 42);
  CHECK(p.size() == 2);
  auto [y, after] = linear(p, at::ones({1, 3}));
  CHECK(y.sizes() == c10::IntArrayRef{1, 4});
  CHECK(after.size() == 4);
  CHECK(after["net/linear/kernel"].value.sizes() == c10::IntArrayRef{3, 4});
  CHECK(after["net/linear/bias"].value.sizes() == c10::IntArrayRef{4});
  CHECK(after["net/linear/kernel"].trainable);
  CHECK(after["net/linear/bias"].trainable);
}

TEST_CASE("Linear: output and gradients match at::linear to 1e-6") {
  LinearFixture f;
  Linear linear(f.graph.child("linear"), {5}, f.rng);
  Params p = f.rng->seed(Params(), 1);
  const at::Tensor x = test::randn({8, 7}, 3);
  std::tie(std::ignore, p) = linear(p, x);
  p = p.locked().requiring_grad();
  auto [y, unused] = linear(p, x);
  const at::Tensor w = p["net/linear/kernel"].value;
  const at::Tensor b = p["net/linear/bias"].value;
  const at::Tensor w_ref = w.detach().clone().requires_grad_(true);
  const at::Tensor b_ref = b.detach().clone().requires_grad_(true);
  const at::Tensor y_ref = at::linear(x, w_ref.t(), b_ref);
  CHECK(test::close(y, y_ref));
  const at::Tensor upstream = test::randn({8, 5}, 4);
  const Params grads = grad((y * upstream).sum(), p);
  (y_ref * upstream).sum().backward();
  CHECK(test::close(grads["net/linear/kernel"].value, w_ref.grad()));
  CHECK(test::close(grads["net/linear/bias"].value, b_ref.grad()));
}

TEST_CASE("Linear: inputs with leading dims (B, T, in) and no bias") {
  LinearFixture f;
  Linear linear(f.graph.child("linear"), {3, /*use_bias=*/false}, f.rng);
  Params p = f.rng->seed(Params(), 1);
  const at::Tensor x = test::randn({2, 4, 6}, 5);
  auto [y, after] = linear(p, x);
  CHECK(y.sizes() == c10::IntArrayRef{2, 4, 3});
  CHECK_FALSE(after.contains("net/linear/bias"));
  CHECK(test::close(y, at::matmul(x, after["net/linear/kernel"].value)));
}

TEST_CASE("Linear: bad settings and bad inputs are clear errors") {
  LinearFixture f;
  CHECK_THROWS_WITH_AS(Linear(f.graph.child("bad"), {0}, f.rng), doctest::Contains("Linear 'net/bad': output_size: expected an integer > 0, got 0"),
                       ConfigError);
  Linear linear(f.graph.child("linear"), {3}, f.rng);
  CHECK_THROWS_AS(linear(f.rng->seed(Params(), 0), at::scalar_tensor(1.0)), ShapeError);
}

TEST_CASE("Linear: the default kernel init is lecun normal over fan_in") {
  LinearFixture f;
  Linear linear(f.graph.child("linear"), {512}, f.rng);
  auto [y, p] = linear(f.rng->seed(Params(), 9), at::ones({1, 1024}));
  CHECK(p["net/linear/kernel"].value.std().item<double>() == doctest::Approx(1.0 / 32).epsilon(0.03));
  CHECK(at::equal(p["net/linear/bias"].value, at::zeros({512})));
}
