// Linear: y = x W + b, with W stored [in, out].
#pragma once

#include <memory>

#include "blox/core/init.h"
#include "blox/core/module.h"
#include "blox/core/rng.h"
#include "blox/schema/rule.h"

namespace bx {

/// x W + b with W [in, out]; b may be undefined. 2-D inputs take the fused addmm path.
at::Tensor linear_map(const at::Tensor& x, const at::Tensor& kernel, const at::Tensor& bias);

/// Settings of Linear; field names are the YAML keys.
struct LinearSettings {
  int64_t output_size = 0;              ///< out; must be > 0
  bool use_bias = true;
  Init kernel_init = init::lecun_normal();
  Init bias_init = init::zeros();

  template <class Visit>
  void fields(Visit& visit) {
    visit("output_size", output_size, Rule::size(), "output features");
    visit("use_bias", use_bias, Rule(), "add a learned bias");
    visit("kernel_init", kernel_init, Rule(), "initializer of the kernel [in, out]");
    visit("bias_init", bias_init, Rule(), "initializer of the bias");
  }
};

/// Params: `<path>/kernel` [in, out] and `<path>/bias` [out] (when use_bias), trainable.
/// `in` is taken from the first input's last dimension.
class Linear final : public Layer {
 public:
  /// Throws ConfigError when output_size <= 0.
  Linear(Graph graph, LinearSettings settings, std::shared_ptr<const Rng> rng);

  const LinearSettings& settings() const { return settings_; }

 protected:
  // x: (..., in) -> (..., out)
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  LinearSettings settings_;
};

}  // namespace bx
