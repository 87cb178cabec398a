// Clipping against torch::nn::utils::clip_grad_norm_ and clamp.
#include <torch/types.h>  // clip_grad.h relies on it
#include <torch/nn/utils/clip_grad.h>

#include "support/helpers.h"

using namespace bx;

TEST_CASE("clip_by_global_norm: matches torch::nn::utils::clip_grad_norm_, and leaves small gradients alone") {
  const Params grads = Params()
                           .with("a", Param{test::randn({4, 3}, 1) * 3, true, {}})
                           .with("b", Param{test::randn({5}, 2) * 3, true, {}});
  std::vector<at::Tensor> reference;
  for (const auto& g : grads.tensors()) {
    at::Tensor p = at::zeros_like(g).requires_grad_(true);
    p.mutable_grad() = g.clone();
    reference.push_back(p);
  }
  const double torch_norm = torch::nn::utils::clip_grad_norm_(reference, 1.5);
  const ClippedGrads clipped = clip_by_global_norm(grads, 1.5);
  CHECK(clipped.norm.item<double>() == doctest::Approx(torch_norm).epsilon(1e-6));
  for (size_t i = 0; i < grads.size(); ++i) CHECK(test::close(clipped.grads.param(i).value, reference[i].grad(), 1e-6));
  const ClippedGrads untouched = clip_by_global_norm(grads, 1000.0);
  CHECK(bitwise_equal(untouched.grads, grads));
  CHECK_THROWS_AS(clip_by_global_norm(grads, 0.0), ConfigError);
}

TEST_CASE("clip_by_value: clamps every element") {
  const Params grads = Params().with("a", Param{at::tensor({-3.0f, 0.5f, 2.0f}), true, {}});
  CHECK(at::equal(clip_by_value(grads, 1.0)["a"].value, at::tensor({-1.0f, 0.5f, 1.0f})));
  CHECK_THROWS_AS(clip_by_value(grads, -1.0), ConfigError);
}
