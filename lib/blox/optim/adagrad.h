// Adagrad (torch::optim::Adagrad's rule).
#pragma once

#include <string>
#include <vector>

#include "blox/optim/optimizer.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of Adagrad; field names are the YAML keys.
struct AdagradSettings {
  double learning_rate = 1e-2;
  double lr_decay = 0.0;  ///< lr / (1 + (step - 1) * lr_decay), >= 0
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;  ///< >= 0
  double eps = 1e-10;  ///< > 0
  std::vector<std::string> no_decay{};  ///< globs of params without weight decay (the shared key)

  template <class Visit>
  void fields(Visit& visit) {
    visit("learning_rate", learning_rate, learning_rate_rule(), "step size");
    visit("lr_decay", lr_decay, Rule::non_negative(), "rate / (1 + (step - 1) * lr_decay)");
    visit("weight_decay", weight_decay, Rule::non_negative(), "L2 penalty added to the gradient");
    visit("initial_accumulator_value", initial_accumulator_value, Rule::non_negative(), "start of the squared-gradient sum");
    visit("eps", eps, Rule::positive(), "added to the denominator");
  }
};

/// State: `optim/adagrad/{step, sum/<path>}`.
class Adagrad final : public Optimizer {
 public:
  explicit Adagrad(AdagradSettings settings);

 protected:
  void update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
              double learning_rate, bool decay) const override;
  double slot_initial_value(size_t slot) const override;

 private:
  AdagradSettings settings_;
};

}  // namespace bx
