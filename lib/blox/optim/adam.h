// Adam (L2 weight decay in the gradient) and AdamW (decoupled weight decay).
#pragma once

#include <string>
#include <vector>

#include "blox/optim/optimizer.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of Adam and AdamW; field names are the YAML keys.
struct AdamSettings {
  double learning_rate = 1e-3;
  double beta1 = 0.9;   ///< in [0, 1)
  double beta2 = 0.999; ///< in [0, 1)
  double eps = 1e-8;    ///< > 0
  double weight_decay = 0.0;  ///< Adam: L2 in the gradient; AdamW: decoupled, p *= 1 - lr * wd
  std::vector<std::string> no_decay{};  ///< globs of params without weight decay (the shared key)

  template <class Visit>
  void fields(Visit& visit) {
    visit("learning_rate", learning_rate, learning_rate_rule(), "step size");
    visit("beta1", beta1, Rule::fraction(), "decay of the first-moment average");
    visit("beta2", beta2, Rule::fraction(), "decay of the second-moment average");
    visit("eps", eps, Rule::positive(), "added to the denominator");
    visit("weight_decay", weight_decay, Rule::non_negative(), "adam: L2 in the gradient; adamw: decoupled");
  }
};

/// torch::optim::Adam's rule. State: `optim/adam/{step, mu/<path>, nu/<path>}`.
class Adam final : public Optimizer {
 public:
  explicit Adam(AdamSettings settings);

 protected:
  void update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
              double learning_rate, bool decay) const override;

 private:
  AdamSettings settings_;
};

/// torch::optim::AdamW's rule (default weight_decay 0.01). State: `optim/adamw/...`.
class AdamW final : public Optimizer {
 public:
  explicit AdamW(AdamSettings settings);

 protected:
  void update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
              double learning_rate, bool decay) const override;

 private:
  AdamSettings settings_;
};

/// AdamW's settings with its default weight decay.
AdamSettings adamw_defaults();

}  // namespace bx
