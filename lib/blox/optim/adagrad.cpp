// Adagrad as libtorch's C++ optimizer computes it.
#include "blox/optim/adagrad.h"

#include <fmt/format.h>

#include "blox/config/optimizer_registry.h"

namespace bx {

Adagrad::Adagrad(AdagradSettings settings)
    : Optimizer("adagrad", {"sum"}, settings.learning_rate, settings.no_decay), settings_(std::move(settings)) {
  require(settings_.lr_decay >= 0, fmt::format("lr_decay must be >= 0, got {}", settings_.lr_decay));
  require(settings_.weight_decay >= 0, fmt::format("weight_decay must be >= 0, got {}", settings_.weight_decay));
  require(settings_.initial_accumulator_value >= 0,
          fmt::format("initial_accumulator_value must be >= 0, got {}", settings_.initial_accumulator_value));
  require(settings_.eps > 0, fmt::format("eps must be > 0, got {}", settings_.eps));
}

double Adagrad::slot_initial_value(size_t) const { return settings_.initial_accumulator_value; }

void Adagrad::update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
                     double learning_rate, bool decay) const {
  const AdagradSettings& s = settings_;
  const at::Tensor g = decay && s.weight_decay != 0 ? grad.add(param, s.weight_decay) : grad;
  const double rate = learning_rate / (1 + static_cast<double>(step - 1) * s.lr_decay);
  slots[0].addcmul_(g, g, 1.0);
  param.addcdiv_(g, slots[0].sqrt().add_(s.eps), -rate);
}

void register_adagrad(OptimizerRegistry& registry) {
  registry.add("adagrad", [](Options& o, const std::vector<std::string>& no_decay) {
    AdagradSettings s;
    s.learning_rate = o.number("learning_rate", s.learning_rate);
    s.lr_decay = o.number("lr_decay", s.lr_decay);
    s.weight_decay = o.number("weight_decay", s.weight_decay);
    s.initial_accumulator_value = o.number("initial_accumulator_value", s.initial_accumulator_value);
    s.eps = o.number("eps", s.eps);
    s.no_decay = no_decay;
    return std::make_shared<Adagrad>(s);
  });
}

}  // namespace bx
