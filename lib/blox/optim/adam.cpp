// Adam and AdamW, written as libtorch's C++ optimizers write them, so results agree to rounding.
#include "blox/optim/adam.h"

#include <cmath>

#include <fmt/format.h>

#include "blox/optim/optimizer_registry.h"

namespace bx {
namespace {


// The moment updates and the bias-corrected step shared by Adam and AdamW.
void adam_update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
                 double learning_rate, const AdamSettings& s) {
  at::Tensor& mu = slots[0];
  at::Tensor& nu = slots[1];
  mu.mul_(s.beta1).add_(grad, 1 - s.beta1);
  nu.mul_(s.beta2).addcmul_(grad, grad, 1 - s.beta2);
  const double correction1 = 1 - std::pow(s.beta1, static_cast<double>(step));
  const double correction2 = 1 - std::pow(s.beta2, static_cast<double>(step));
  const at::Tensor denominator = (nu.sqrt() / std::sqrt(correction2)).add_(s.eps);
  param.addcdiv_(mu, denominator, -learning_rate / correction1);
}

}  // namespace

AdamSettings adamw_defaults() {
  AdamSettings s;
  s.weight_decay = 1e-2;
  return s;
}

Adam::Adam(AdamSettings settings)
    : Optimizer("adam", {"mu", "nu"}, settings.learning_rate, settings.no_decay), settings_(std::move(settings)) {
  check_settings(settings_, "optimizer " + name());
}

void Adam::update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
                  double learning_rate, bool decay) const {
  const at::Tensor g = decay && settings_.weight_decay != 0 ? grad.add(param, settings_.weight_decay) : grad;
  adam_update(param, g, slots, step, learning_rate, settings_);
}

AdamW::AdamW(AdamSettings settings)
    : Optimizer("adamw", {"mu", "nu"}, settings.learning_rate, settings.no_decay), settings_(std::move(settings)) {
  check_settings(settings_, "optimizer " + name());
}

void AdamW::update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
                   double learning_rate, bool decay) const {
  if (decay && settings_.weight_decay != 0) param.mul_(1 - learning_rate * settings_.weight_decay);
  adam_update(param, grad, slots, step, learning_rate, settings_);
}

void register_adam(OptimizerRegistry& registry) {
  registry.add<Adam>("adam", "Adam with L2 weight decay in the gradient (torch.optim.Adam)", AdamSettings{});
  registry.add<AdamW>("adamw", "Adam with decoupled weight decay (torch.optim.AdamW)", adamw_defaults());
}

}  // namespace bx
