// Adagrad as libtorch's C++ optimizer computes it.
#include "blox/optim/adagrad.h"

#include <fmt/format.h>

#include "blox/optim/optimizer_registry.h"

namespace bx {

Adagrad::Adagrad(AdagradSettings settings)
    : Optimizer("adagrad", {"sum"}, settings.learning_rate, settings.no_decay), settings_(std::move(settings)) {
  check_settings(settings_, "optimizer " + name());
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
  registry.add<Adagrad>("adagrad", "Adagrad with rate decay (torch.optim.Adagrad)", AdagradSettings{});
}

}  // namespace bx
