// Lion, following the paper's Algorithm 2.
#include "blox/optim/lion.h"

#include <ATen/ops/sign.h>
#include <fmt/format.h>

#include "blox/optim/optimizer_registry.h"

namespace bx {

Lion::Lion(LionSettings settings)
    : Optimizer("lion", {"momentum"}, settings.learning_rate, settings.no_decay), settings_(std::move(settings)) {
  check_settings(settings_, "optimizer " + name());
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
  registry.add<Lion>("lion", "Lion: the sign of an interpolated momentum, decoupled weight decay", LionSettings{});
}

}  // namespace bx
