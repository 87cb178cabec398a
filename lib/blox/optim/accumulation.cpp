// Gradient accumulation; the first micro-batch's grads are copied, later ones added in place.
#include "blox/optim/accumulation.h"

#include <ATen/core/grad_mode.h>
#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

void GradientAccumulator::add(const Params& grads) {
  at::NoGradGuard no_grad;
  if (count_ == 0) {
    sum_ = grads.map([](const std::string&, const Param& g) { return g.value.detach().clone(); });
  } else {
    if (grads.keys() != sum_.keys()) {
      throw ParamsError(fmt::format("GradientAccumulator: micro-batch grads hold {} paths, the sum {}; expected the same",
                                    grads.size(), sum_.size()));
    }
    for (size_t i = 0; i < grads.size(); ++i) sum_.param(i).value.add_(grads.param(i).value);
  }
  ++count_;
}

Params GradientAccumulator::mean() const {
  if (count_ == 0) throw ParamsError("GradientAccumulator: no gradients were added");
  const double k = static_cast<double>(count_);
  return sum_.map([k](const std::string&, const Param& g) { return g.value / k; });
}

void GradientAccumulator::reset() {
  sum_ = Params();
  count_ = 0;
}

}  // namespace bx
