// Pools against libtorch's pooling ops.
#include <ATen/ops/adaptive_avg_pool2d.h>

#include "layers/layer_check.h"

using namespace bx;

TEST_CASE("MaxPool2D: matches at::max_pool2d (window 3, stride 2, padding 1) and creates no params") {
  Graph g("net");
  MaxPool2D pool(g.child("pool"), {{3}, {2}, Padding::of({1})});
  const Params p = test::check_layer(pool, Params(), test::randn({2, 3, 9, 8}, 1), [](const auto&, const at::Tensor& x) {
    return at::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
  });
  CHECK(p.empty());
}

TEST_CASE("AvgPool1D and AvgPool2D: match at::avg_pool1d / at::avg_pool2d; stride defaults to the window") {
  Graph g("net");
  AvgPool1D pool1(g.child("pool1"), {{2}});
  test::check_layer(pool1, Params(), test::randn({2, 3, 10}, 2),
                    [](const auto&, const at::Tensor& x) { return at::avg_pool1d(x, {2}, {2}); });
  AvgPool2D pool2(g.child("pool2"), {{2, 3}, {1, 2}});
  test::check_layer(pool2, Params(), test::randn({1, 2, 6, 7}, 3),
                    [](const auto&, const at::Tensor& x) { return at::avg_pool2d(x, {2, 3}, {1, 2}); });
}

TEST_CASE("MaxPool1D: 'same' gives ceil(size / stride) and pads with -inf") {
  Graph g("net");
  MaxPool1D pool(g.child("pool"), {{2}, {2}, Padding::same()});
  const at::Tensor x = -at::ones({1, 1, 5});  // a zero pad would win the max; -inf must not
  auto [y, p] = pool(Params(), x);
  CHECK(y.sizes() == c10::IntArrayRef{1, 1, 3});
  CHECK(at::equal(y, -at::ones({1, 1, 3})));
}

TEST_CASE("GlobalAvgPool: (B, C, H, W) -> (B, C) as adaptive average pooling to 1x1") {
  Graph g("net");
  GlobalAvgPool pool(g.child("gap"));
  test::check_layer(pool, Params(), test::randn({2, 4, 5, 3}, 4), [](const auto&, const at::Tensor& x) {
    return at::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  });
}

TEST_CASE("Pools: bad windows and inputs are clear errors") {
  Graph g("net");
  CHECK_THROWS_WITH_AS(MaxPool2D(g.child("a"), {{0}}), doctest::Contains("window: expected an integer > 0, got 0"), ConfigError);
  MaxPool2D pool(g.child("pool"), {{4}});
  CHECK_THROWS_WITH_AS(pool(Params(), test::randn({1, 1, 3, 3})), doctest::Contains("smaller than the window [4, 4]"),
                       ShapeError);
  CHECK_THROWS_WITH_AS(pool(Params(), test::randn({3, 3})), doctest::Contains("expected input (B, C, H, W)"), ShapeError);
  // libtorch's own refusal of padding over half the window, said at construction.
  CHECK_THROWS_WITH_AS(MaxPool2D(g.child("b"), {{2}, {}, Padding::of({2})}),
                       doctest::Contains("padding 2 must be between 0 and half the window 2"), ConfigError);
  CHECK_NOTHROW(AvgPool1D(g.child("c"), {{3}, {}, Padding::of({1})}));
}
