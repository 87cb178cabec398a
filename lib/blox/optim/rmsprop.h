// RMSprop (torch::optim::RMSprop's rule), optionally centered and with momentum.
#pragma once

#include <string>
#include <vector>

#include "blox/optim/optimizer.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of Rmsprop; field names are the YAML keys.
struct RmspropSettings {
  double learning_rate = 1e-2;
  double alpha = 0.99;  ///< smoothing of the squared-gradient average, in [0, 1)
  double eps = 1e-8;    ///< > 0
  double weight_decay = 0.0;  ///< L2 in the gradient
  double momentum = 0.0;      ///< >= 0
  bool centered = false;      ///< divide by the variance estimate instead of the raw second moment
  std::vector<std::string> no_decay{};  ///< globs of params without weight decay (the shared key)

  template <class Visit>
  void fields(Visit& visit) {
    visit("learning_rate", learning_rate, learning_rate_rule(), "step size");
    visit("alpha", alpha, Rule::fraction(), "smoothing of the squared-gradient average");
    visit("eps", eps, Rule::positive(), "added to the denominator");
    visit("weight_decay", weight_decay, Rule::non_negative(), "L2 penalty added to the gradient");
    visit("momentum", momentum, Rule::non_negative(), "momentum of the scaled step; 0: none");
    visit("centered", centered, Rule(), "divide by the variance estimate instead of the raw second moment");
  }
};

/// State: `optim/rmsprop/{step, square_avg/<path>}`, plus `grad_avg/<path>` when centered and
/// `momentum/<path>` when momentum > 0.
class Rmsprop final : public Optimizer {
 public:
  explicit Rmsprop(RmspropSettings settings);

 protected:
  void update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
              double learning_rate, bool decay) const override;

 private:
  RmspropSettings settings_;
};

}  // namespace bx
