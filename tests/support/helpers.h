// Helpers shared by the tests: tolerances and small model builders.
#pragma once

#include <memory>

#include <ATen/ATen.h>
#include <doctest/doctest.h>

#include "blox/blox.h"
#include "support/skip.h"

namespace bx::test {

/// max |a - b| <= rtol * max(1, max |b|): relative to the reference's scale.
inline bool close(const at::Tensor& a, const at::Tensor& b, double rtol = 1e-6) {
  if (a.sizes() != b.sizes()) return false;
  const double scale = std::max(1.0, b.abs().max().item<double>());
  return (a - b).abs().max().item<double>() <= rtol * scale;
}

/// The largest ||a - b|| / ||b|| over the float tensors of `a` (each looked up in `b` by path).
inline double max_relative_difference(const Params& a, const Params& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!at::isFloatingType(a.param(i).value.scalar_type())) continue;
    const at::Tensor x = a.param(i).value.to(at::kDouble), y = b[a.key(i)].value.to(at::kDouble);
    worst = std::max(worst, ((x - y).norm() / y.norm().clamp_min(1e-12)).item<double>());
  }
  return worst;
}

/// Random float tensor from a fixed seed, independent of any blox Rng.
inline at::Tensor randn(c10::IntArrayRef shape, uint64_t seed = 0) {
  at::Generator g = make_generator(Key{seed});
  return at::empty(shape, at::kFloat).normal_(0.0, 1.0, g);
}

/// A root graph with an Rng under "<name>/rng" and params seeded with it: most tests start here.
struct Net {
  explicit Net(const std::string& name = "net", uint64_t seed = 0)
      : graph(name), rng(std::make_shared<Rng>(graph.child("rng"))), params(rng->seed(Params(), seed)) {}

  Graph graph;
  std::shared_ptr<Rng> rng;
  Params params;
};

}  // namespace bx::test
