// RMSprop as libtorch's C++ optimizer computes it.
#include "blox/optim/rmsprop.h"

#include <fmt/format.h>

#include "blox/optim/optimizer_registry.h"

namespace bx {
namespace {
std::vector<std::string> rmsprop_slots(const RmspropSettings& s) {
  std::vector<std::string> slots{"square_avg"};
  if (s.centered) slots.push_back("grad_avg");
  if (s.momentum > 0) slots.push_back("momentum");
  return slots;
}
}  // namespace

Rmsprop::Rmsprop(RmspropSettings settings)
    : Optimizer("rmsprop", rmsprop_slots(settings), settings.learning_rate, settings.no_decay),
      settings_(std::move(settings)) {
  check_settings(settings_, "optimizer " + name());
}

void Rmsprop::update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t,
                     double learning_rate, bool decay) const {
  const RmspropSettings& s = settings_;
  const at::Tensor g = decay && s.weight_decay != 0 ? grad.add(param, s.weight_decay) : grad;
  at::Tensor& square_avg = slots[0];
  square_avg.mul_(s.alpha).addcmul_(g, g, 1 - s.alpha);
  at::Tensor average;
  if (s.centered) {
    at::Tensor& grad_avg = slots[1];
    grad_avg.mul_(s.alpha).add_(g, 1 - s.alpha);
    average = square_avg.addcmul(grad_avg, grad_avg, -1).sqrt_().add_(s.eps);
  } else {
    average = square_avg.sqrt().add_(s.eps);
  }
  if (s.momentum > 0) {
    at::Tensor& buffer = slots.back();
    buffer.mul_(s.momentum).addcdiv_(g, average);
    param.add_(buffer, -learning_rate);
  } else {
    param.addcdiv_(g, average, -learning_rate);
  }
}

void register_rmsprop(OptimizerRegistry& registry) {
  registry.add<Rmsprop>("rmsprop", "RMSprop, optionally centered and with momentum (torch.optim.RMSprop)",
                        RmspropSettings{});
}

}  // namespace bx
