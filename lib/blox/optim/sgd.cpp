// SGD, step for step as torch::optim::SGD (the first momentum step copies the gradient).
#include "blox/optim/sgd.h"

#include <fmt/format.h>

#include "blox/optim/optimizer_registry.h"

namespace bx {

Sgd::Sgd(SgdSettings settings)
    : Optimizer("sgd", settings.momentum > 0 ? std::vector<std::string>{"momentum"} : std::vector<std::string>{},
                settings.learning_rate, settings.no_decay),
      settings_(std::move(settings)) {
  check_settings(settings_, "optimizer " + name());
  require(!settings_.nesterov || (settings_.momentum > 0 && settings_.dampening == 0), "nesterov",
          fmt::format("nesterov needs momentum > 0 and dampening == 0, got momentum {} and dampening {}",
                      settings_.momentum, settings_.dampening));
}

void Sgd::update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
                 double learning_rate, bool decay) const {
  const SgdSettings& s = settings_;
  at::Tensor direction = decay && s.weight_decay != 0 ? grad.add(param, s.weight_decay) : grad;
  if (s.momentum != 0) {
    at::Tensor& buffer = slots[0];
    if (step == 1) {
      buffer.copy_(direction);
    } else {
      buffer.mul_(s.momentum).add_(direction, 1.0 - s.dampening);
    }
    direction = s.nesterov ? direction.add(buffer, s.momentum) : buffer;
  }
  param.sub_(direction, learning_rate);
}

void register_sgd(OptimizerRegistry& registry) {
  registry.add<Sgd>("sgd", "stochastic gradient descent with momentum (torch.optim.SGD's rule)", SgdSettings{});
}

}  // namespace bx
