// Precision: names, and AutocastScope turning libtorch's autocast on and restoring it.
#include <ATen/autocast_mode.h>

#include "blox/core/torch_compat.h"
#include "support/helpers.h"

using namespace bx;

TEST_CASE("precision names: the three, and a clear error for another") {
  CHECK(precision_names() == std::vector<std::string>{"fp32", "bf16", "fp16"});
  CHECK(precision_from_name("bf16") == Precision::bf16);
  CHECK(precision_name(Precision::fp16) == "fp16");
  CHECK_THROWS_WITH_AS(precision_from_name("fp8"), "precision: expected one of fp32, bf16, fp16, got 'fp8'", ConfigError);
}

TEST_CASE("AutocastScope: bf16 matrix products inside, fp32 after; fp32 changes nothing; scopes nest") {
  const at::Tensor a = test::randn({4, 8}, 1), b = test::randn({8, 3}, 2);
  const at::Tensor exact = at::matmul(a, b);
  CHECK_FALSE(compat::autocast_enabled(c10::DeviceType::CPU));
  {
    AutocastScope fp32(Precision::fp32, c10::kCPU);
    CHECK((at::matmul(a, b).scalar_type() == at::kFloat));
  }
  {
    AutocastScope outer(Precision::bf16, c10::kCPU);
    const at::Tensor product = at::matmul(a, b);
    CHECK((product.scalar_type() == at::kBFloat16));
    CHECK(((product.to(at::kFloat) - exact).norm() / exact.norm()).item<double>() < 2e-2);
    CHECK((full_precision(product).scalar_type() == at::kFloat));
    {
      AutocastScope inner(Precision::bf16, c10::kCPU);
      CHECK(compat::autocast_enabled(c10::DeviceType::CPU));
    }
    CHECK(compat::autocast_enabled(c10::DeviceType::CPU));  // the inner scope restored the outer's state
  }
  CHECK_FALSE(compat::autocast_enabled(c10::DeviceType::CPU));
  CHECK((at::matmul(a, b).scalar_type() == at::kFloat));
}
