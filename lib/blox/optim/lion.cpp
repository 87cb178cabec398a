// Lion, following the paper's Algorithm 2.
#include "blox/optim/lion.h"

#include <ATen/ops/sign.h>
#include <fmt/format.h>

#include "blox/config/optimizer_registry.h"

namespace bx {

Lion::Lion(LionSettings settings)
    : Optimizer("lion", {"momentum"}, settings.learning_rate, settings.no_decay), settings_(std::move(settings)) {
  require(settings_.beta1 >= 0 && settings_.beta1 < 1, fmt::format("beta1 must be in [0, 1), got {}", settings_.beta1));
  require(settings_.beta2 >= 0 && settings_.beta2 < 1, fmt::format("beta2 must be in [0, 1), got {}", settings_.beta2));
  require(settings_.weight_decay >= 0, fmt::format("weight_decay must be >= 0, got {}", settings_.weight_decay));
}

void Lion::update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t,
                  double learning_rate, bool decay) const {
  const LionSettings& s = settings_;
  at::Tensor& momentum = slots[0];
  const at::Tensor direction = at::sign(momentum * s.beta1 + grad * (1 - s.beta1));
  if (decay && s.weight_decay != 0) param.mul_(1 - learning_rate * s.weight_decay);
  param.add_(direction, -learning_rate);
  momentum.mul_(s.beta2).add_(grad, 1 - s.beta2);
}

void register_lion(OptimizerRegistry& registry) {
  registry.add("lion", [](Options& o, const std::vector<std::string>& no_decay) {
    LionSettings s;
    s.learning_rate = o.number("learning_rate", s.learning_rate);
    s.beta1 = o.number("beta1", s.beta1);
    s.beta2 = o.number("beta2", s.beta2);
    s.weight_decay = o.number("weight_decay", s.weight_decay);
    s.no_decay = no_decay;
    return std::make_shared<Lion>(s);
  });
}

}  // namespace bx
