// Adam and AdamW, written as libtorch's C++ optimizers write them, so results agree to rounding.
#include "blox/optim/adam.h"

#include <cmath>

#include <fmt/format.h>

#include "blox/config/optimizer_registry.h"

namespace bx {
namespace {

void validate(const AdamSettings& s, const std::function<void(bool, const std::string&)>& require) {
  require(s.beta1 >= 0 && s.beta1 < 1, fmt::format("beta1 must be in [0, 1), got {}", s.beta1));
  require(s.beta2 >= 0 && s.beta2 < 1, fmt::format("beta2 must be in [0, 1), got {}", s.beta2));
  require(s.eps > 0, fmt::format("eps must be > 0, got {}", s.eps));
  require(s.weight_decay >= 0, fmt::format("weight_decay must be >= 0, got {}", s.weight_decay));
}

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
  validate(settings_, [this](bool ok, const std::string& m) { require(ok, m); });
}

void Adam::update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
                  double learning_rate, bool decay) const {
  const at::Tensor g = decay && settings_.weight_decay != 0 ? grad.add(param, settings_.weight_decay) : grad;
  adam_update(param, g, slots, step, learning_rate, settings_);
}

AdamW::AdamW(AdamSettings settings)
    : Optimizer("adamw", {"mu", "nu"}, settings.learning_rate, settings.no_decay), settings_(std::move(settings)) {
  validate(settings_, [this](bool ok, const std::string& m) { require(ok, m); });
}

void AdamW::update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
                   double learning_rate, bool decay) const {
  if (decay && settings_.weight_decay != 0) param.mul_(1 - learning_rate * settings_.weight_decay);
  adam_update(param, grad, slots, step, learning_rate, settings_);
}

namespace {
AdamSettings read_adam(Options& o, AdamSettings s, const std::vector<std::string>& no_decay) {
  s.learning_rate = o.number("learning_rate", s.learning_rate);
  s.beta1 = o.number("beta1", s.beta1);
  s.beta2 = o.number("beta2", s.beta2);
  s.eps = o.number("eps", s.eps);
  s.weight_decay = o.number("weight_decay", s.weight_decay);
  s.no_decay = no_decay;
  return s;
}
}  // namespace

void register_adam(OptimizerRegistry& registry) {
  registry.add("adam", [](Options& o, const std::vector<std::string>& no_decay) {
    return std::make_shared<Adam>(read_adam(o, AdamSettings{}, no_decay));
  });
  registry.add("adamw", [](Options& o, const std::vector<std::string>& no_decay) {
    return std::make_shared<AdamW>(read_adam(o, adamw_defaults(), no_decay));
  });
}

}  // namespace bx
