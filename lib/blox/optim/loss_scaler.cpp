#include "blox/optim/loss_scaler.h"

#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/stack.h>

namespace bx {
namespace {

const std::string kScale = "optim/loss_scale/scale";
const std::string kCleanSteps = "optim/loss_scale/clean_steps";
const std::string kPrefix = "optim/loss_scale/";

}  // namespace

LossScaler::LossScaler(double initial_scale, int64_t growth_interval)
    : initial_scale_(initial_scale), growth_interval_(growth_interval) {}

Params LossScaler::init() const {
  return Params()
      .with(kScale, Param{at::scalar_tensor(initial_scale_, at::kDouble), false, {}})
      .with(kCleanSteps, Param{at::scalar_tensor(0, at::kLong), false, {}});
}

bool LossScaler::holds(const std::string& path) { return path.rfind(kPrefix, 0) == 0; }

double LossScaler::scale(const Params& state) { return *state.at(kScale).value.data_ptr<double>(); }

Params LossScaler::unscale(const Params& grads, const Params& state) {
  const double inverse = 1.0 / scale(state);
  return grads.map([&](const std::string&, const Param& g) { return g.value * inverse; });
}

bool LossScaler::all_finite(const Params& grads) {
  std::vector<at::Tensor> finite;
  for (size_t i = 0; i < grads.size(); ++i) finite.push_back(grads.param(i).value.isfinite().all());
  return finite.empty() || at::stack(finite).all().item<bool>();
}

Params LossScaler::update(const Params& state, bool finite) const {
  double scale = LossScaler::scale(state);
  int64_t clean = *state.at(kCleanSteps).value.data_ptr<int64_t>();
  if (!finite) {
    scale *= 0.5;
    clean = 0;
  } else if (++clean >= growth_interval_) {
    scale *= 2.0;
    clean = 0;
  }
  return state.with_value(kScale, at::scalar_tensor(scale, at::kDouble))
      .with_value(kCleanSteps, at::scalar_tensor(clean, at::kLong));
}

}  // namespace bx
