// Flatten: shapes and errors.
#include "support/helpers.h"

using namespace bx;

TEST_CASE("Flatten: (B, C, H, W) becomes (B, C*H*W) without copying") {
  Graph g("net");
  Flatten flatten(g.child("flatten"));
  const at::Tensor x = test::randn({2, 1, 28, 28});
  auto [y, p] = flatten(Params(), x);
  CHECK(y.sizes() == c10::IntArrayRef{2, 784});
  CHECK(y.data_ptr() == x.data_ptr());
  CHECK(at::equal(y, x.reshape({2, 784})));
}

TEST_CASE("Flatten: an input without dims past start_axis is a shape error") {
  Graph g("net");
  Flatten flatten(g.child("flatten"), {2});
  CHECK_THROWS_WITH_AS(flatten(Params(), at::ones({4, 3})), doctest::Contains("got shape [4, 3]"), ShapeError);
  CHECK_THROWS_AS(Flatten(g.child("bad"), {-1}), ConfigError);
}
