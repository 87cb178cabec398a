// SGD with momentum, dampening, Nesterov and L2 weight decay (torch::optim::SGD's rule).
#pragma once

#include <string>
#include <vector>

#include "blox/optim/optimizer.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of Sgd; field names are the YAML keys.
struct SgdSettings {
  double learning_rate = 0.01;  ///< >= 0
  double momentum = 0.0;        ///< >= 0
  double dampening = 0.0;
  bool nesterov = false;        ///< needs momentum > 0 and dampening == 0
  double weight_decay = 0.0;    ///< L2 penalty added to the gradient, >= 0
  std::vector<std::string> no_decay{};  ///< globs of params without weight decay (the shared key)

  template <class Visit>
  void fields(Visit& visit) {
    visit("learning_rate", learning_rate, learning_rate_rule(), "step size");
    visit("momentum", momentum, Rule::non_negative(), "heavy-ball momentum; 0: none");
    visit("dampening", dampening, Rule(), "damps the gradient's share of the momentum");
    visit("nesterov", nesterov, Rule(), "Nesterov momentum (needs momentum > 0, dampening 0)");
    visit("weight_decay", weight_decay, Rule::non_negative(), "L2 penalty added to the gradient");
  }
};

/// State: `optim/sgd/step`, and with momentum `optim/sgd/momentum/<path>`.
class Sgd final : public Optimizer {
 public:
  /// Throws ConfigError naming the bad value (e.g. "learning_rate must be >= 0, got -0.1").
  explicit Sgd(SgdSettings settings);
  const SgdSettings& settings() const { return settings_; }

 protected:
  void update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
              double learning_rate, bool decay) const override;

 private:
  SgdSettings settings_;
};

}  // namespace bx
