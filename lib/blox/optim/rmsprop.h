// RMSprop (torch::optim::RMSprop's rule), optionally centered and with momentum.
#pragma once

#include <string>
#include <vector>

#include "blox/optim/optimizer.h"

namespace bx {

/// Settings of Rmsprop; field names are the YAML keys.
struct RmspropSettings {
  double learning_rate = 1e-2;
  double alpha = 0.99;  ///< smoothing of the squared-gradient average, in [0, 1)
  double eps = 1e-8;    ///< > 0
  double weight_decay = 0.0;  ///< L2 in the gradient
  double momentum = 0.0;      ///< >= 0
  bool centered = false;      ///< divide by the variance estimate instead of the raw second moment
  std::vector<std::string> no_decay{};
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
