// SGD, step for step as torch::optim::SGD (the first momentum step copies the gradient).
#include "blox/optim/sgd.h"

#include <fmt/format.h>

#include "blox/config/optimizer_registry.h"

namespace bx {

Sgd::Sgd(SgdSettings settings)
    : Optimizer("sgd", settings.momentum > 0 ? std::vector<std::string>{"momentum"} : std::vector<std::string>{},
                settings.learning_rate, settings.no_decay),
      settings_(std::move(settings)) {
  require(settings_.momentum >= 0, fmt::format("momentum must be >= 0, got {}", settings_.momentum));
  require(settings_.weight_decay >= 0, fmt::format("weight_decay must be >= 0, got {}", settings_.weight_decay));
  require(!settings_.nesterov || (settings_.momentum > 0 && settings_.dampening == 0),
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
  registry.add("sgd", [](Options& o, const std::vector<std::string>& no_decay) {
    SgdSettings s;
    s.learning_rate = o.number("learning_rate", 0.01);
    s.momentum = o.number("momentum", s.momentum);
    s.dampening = o.number("dampening", s.dampening);
    s.nesterov = o.boolean("nesterov", s.nesterov);
    s.weight_decay = o.number("weight_decay", s.weight_decay);
    s.no_decay = no_decay;
    return std::make_shared<Sgd>(s);
  });
}

}  // namespace bx
