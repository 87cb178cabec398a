// Residual connections and reusing one module (its params) in two places.
#include "layers/layer_check.h"

using namespace bx;

TEST_CASE("Residual: y = x + f(x), gradients through both paths") {
  Graph g("net");
  auto rng = std::make_shared<Rng>(g.child("rng"));
  Residual res(g.child("res"), std::make_shared<Linear>(g.child("res").child("inner"), LinearSettings{6}, rng));
  test::check_layer(res, rng->seed(Params(), 1), test::randn({3, 6}, 1), [](const auto& w, const at::Tensor& x) {
    return x + at::matmul(x, w.at("net/res/inner/kernel")) + w.at("net/res/inner/bias");
  });
}

TEST_CASE("Residual: an inner layer that changes the shape is a ShapeError naming both shapes") {
  Graph g("net");
  auto rng = std::make_shared<Rng>(g.child("rng"));
  Residual res(g.child("res"), std::make_shared<Linear>(g.child("res").child("inner"), LinearSettings{4}, rng));
  CHECK_THROWS_WITH_AS(res(rng->seed(Params(), 1), test::randn({3, 6})),
                       doctest::Contains("inner Linear 'net/res/inner' maps shape [3, 6] to [3, 4]"), ShapeError);
}

TEST_CASE("Sharing: one Linear used twice in a Sequential has one set of params; its gradient sums both uses") {
  Graph g("net");
  auto rng = std::make_shared<Rng>(g.child("rng"));
  auto shared = std::make_shared<Linear>(g.child("seq").child("shared"), LinearSettings{5}, rng);
  auto tanh = std::make_shared<Activation>(g.child("seq").child("tanh"), ActivationSettings{"tanh"});
  Sequential seq(g.child("seq"), {shared, tanh, shared});
  const Params p = test::check_layer(seq, rng->seed(Params(), 2), test::randn({4, 5}, 3), [](const auto& w, const at::Tensor& x) {
    const at::Tensor& k = w.at("net/seq/shared/kernel");
    const at::Tensor& b = w.at("net/seq/shared/bias");
    return at::matmul(at::tanh(at::matmul(x, k) + b), k) + b;
  });
  CHECK(p.split().first.size() == 2);
}
