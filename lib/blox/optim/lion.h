// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): sign updates.
#pragma once

#include <string>
#include <vector>

#include "blox/optim/optimizer.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of Lion; field names are the YAML keys.
struct LionSettings {
  double learning_rate = 1e-4;  ///< typically 3-10x smaller than AdamW's
  double beta1 = 0.9;   ///< interpolation for the update direction, in [0, 1)
  double beta2 = 0.99;  ///< momentum decay, in [0, 1)
  double weight_decay = 0.0;  ///< decoupled: p *= 1 - lr * wd
  std::vector<std::string> no_decay{};  ///< globs of params without weight decay (the shared key)

  template <class Visit>
  void fields(Visit& visit) {
    visit("learning_rate", learning_rate, learning_rate_rule(), "step size, typically 3-10x below AdamW's");
    visit("beta1", beta1, Rule::fraction(), "interpolation for the update direction");
    visit("beta2", beta2, Rule::fraction(), "momentum decay");
    visit("weight_decay", weight_decay, Rule::non_negative(), "decoupled: p *= 1 - lr * wd");
  }
};

/// p -= lr * (sign(beta1 m + (1 - beta1) g) + wd p); m = beta2 m + (1 - beta2) g.
/// State: `optim/lion/{step, momentum/<path>}`.
class Lion final : public Optimizer {
 public:
  explicit Lion(LionSettings settings);

 protected:
  void update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
              double learning_rate, bool decay) const override;

 private:
  LionSettings settings_;
};

}  // namespace bx
