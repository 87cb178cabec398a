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
                       doctest::Contains("its branch maps shape [3, 6] to [3, 4], but the identity shortcut keeps [3, 6]; "
                                         "hint: add a shortcut layer"),
                       ShapeError);
}

TEST_CASE("Residual: y = after(shortcut(x) + branch(x)), a projection shortcut and an activation after the add") {
  Graph g("net");
  auto rng = std::make_shared<Rng>(g.child("rng"));
  const Graph node = g.child("block");
  auto first = std::make_shared<Linear>(node.child("a"), LinearSettings{4}, rng);
  auto second = std::make_shared<Activation>(node.child("t"), ActivationSettings{"tanh"});
  auto projection = std::make_shared<Linear>(node.child("downsample"), LinearSettings{4}, rng);
  auto relu = std::make_shared<Activation>(node.child("relu"), ActivationSettings{"relu6"});
  Residual block(node, {first, second}, projection, relu);
  test::check_layer(block, rng->seed(Params(), 4), test::randn({3, 6}, 5), [](const auto& w, const at::Tensor& x) {
    const at::Tensor branch = at::tanh(at::matmul(x, w.at("net/block/a/kernel")) + w.at("net/block/a/bias"));
    const at::Tensor shortcut = at::matmul(x, w.at("net/block/downsample/kernel")) + w.at("net/block/downsample/bias");
    return at::clamp(branch + shortcut, 0.0, 6.0);
  });
  // A shortcut of another shape than the branch's: both named.
  auto wrong = std::make_shared<Linear>(g.child("bad").child("downsample"), LinearSettings{5}, rng);
  Residual bad(g.child("bad"), {std::make_shared<Linear>(g.child("bad").child("a"), LinearSettings{4}, rng)}, wrong);
  CHECK_THROWS_WITH_AS(bad(rng->seed(Params(), 1), test::randn({3, 6})),
                       doctest::Contains("its shortcut Linear 'net/bad/downsample' to [3, 5]"), ShapeError);
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
