// LayerNorm, RMSNorm and GroupNorm against their formulas written out with tensor ops.
#include "layers/layer_check.h"

using namespace bx;
using test::Layout;

TEST_CASE("LayerNorm: (x - mean) / sqrt(var + eps) * scale + bias over the last axis") {
  Graph g("net");
  LayerNorm ln(g.child("ln"));
  const Params p = test::check_layer(ln, Params(), test::randn({2, 3, 8}, 1) * 3 + 2, [](const auto& w, const at::Tensor& x) {
    const at::Tensor mean = x.mean(-1, true);
    const at::Tensor var = (x - mean).pow(2).mean(-1, true);
    return (x - mean) / (var + 1e-5).sqrt() * w.at("net/ln/scale") + w.at("net/ln/bias");
  });
  CHECK(test::layout(p) == Layout{"net/ln/scale [8] trainable", "net/ln/bias [8] trainable"});
}

TEST_CASE("RMSNorm: x / sqrt(mean(x^2) + eps) * scale, no bias") {
  Graph g("net");
  RMSNorm rms(g.child("rms"));
  const Params p = test::check_layer(rms, Params(), test::randn({4, 6}, 2), [](const auto& w, const at::Tensor& x) {
    return x / (x.pow(2).mean(-1, true) + 1e-6).sqrt() * w.at("net/rms/scale");
  });
  CHECK(test::layout(p) == Layout{"net/rms/scale [6] trainable"});
  CHECK_THROWS_AS(RMSNorm(g.child("bad"), {1e-6, true, true}), ConfigError);
}

TEST_CASE("GroupNorm: normalizes each group over its channels and positions") {
  Graph g("net");
  GroupNorm gn(g.child("gn"), {2});
  const Params p = test::check_layer(gn, Params(), test::randn({3, 4, 5, 2}, 3), [](const auto& w, const at::Tensor& x) {
    const at::Tensor grouped = x.reshape({3, 2, -1});
    const at::Tensor mean = grouped.mean(-1, true);
    const at::Tensor var = (grouped - mean).pow(2).mean(-1, true);
    const at::Tensor normalized = ((grouped - mean) / (var + 1e-5).sqrt()).reshape(x.sizes());
    return normalized * w.at("net/gn/scale").view({1, 4, 1, 1}) + w.at("net/gn/bias").view({1, 4, 1, 1});
  });
  CHECK(test::layout(p) == Layout{"net/gn/scale [4] trainable", "net/gn/bias [4] trainable"});
  CHECK_THROWS_WITH_AS(gn(Params(), test::randn({1, 3, 2})), doctest::Contains("divisible by groups 2"), ShapeError);
}
