// SGD update, written to match torch::optim::SGD step for step (first momentum step = grad).
#include "blox/optim/sgd.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/zeros_like.h>
#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw ConfigError("optimizer sgd: " + message);
}

// The in-place form when the container alone holds the buffer, the out-of-place one otherwise.
at::Tensor donated_or_copy(const Params& owner, size_t i, const std::function<void(at::Tensor&)>& in_place) {
  const bool donated = owner.owns_buffer(i);  // checked before this function takes a handle
  at::Tensor value = donated ? owner.param(i).value : owner.param(i).value.clone();
  in_place(value);
  return value;
}

}  // namespace

Sgd::Sgd(SgdSettings settings) : settings_(settings) {
  require(settings_.learning_rate >= 0, fmt::format("learning_rate must be >= 0, got {}", settings_.learning_rate));
  require(settings_.momentum >= 0, fmt::format("momentum must be >= 0, got {}", settings_.momentum));
  require(settings_.weight_decay >= 0, fmt::format("weight_decay must be >= 0, got {}", settings_.weight_decay));
  require(!settings_.nesterov || (settings_.momentum > 0 && settings_.dampening == 0),
          fmt::format("nesterov needs momentum > 0 and dampening == 0, got momentum {} and dampening {}",
                      settings_.momentum, settings_.dampening));
}

std::string Sgd::momentum_path(const std::string& param_path) { return "optim/sgd/momentum/" + param_path; }
const std::string& Sgd::step_path() {
  static const std::string kPath = "optim/sgd/step";
  return kPath;
}

Params Sgd::init(const Params& trainable) const {
  at::NoGradGuard no_grad;
  Params state = Params().with(step_path(), Param{at::scalar_tensor(int64_t{0}, at::kLong), false, {}});
  if (settings_.momentum == 0) return state;
  for (size_t i = 0; i < trainable.size(); ++i) {
    state = state.with(momentum_path(trainable.key(i)), Param{at::zeros_like(trainable.param(i).value), false, {}});
  }
  return state;
}

Sgd::Result Sgd::step(Params&& donated_params, const Params& grads, Params&& donated_state) const {
  // Take the containers over, so the caller's moved-from objects hold no stale handles.
  Params params = std::move(donated_params);
  Params state = std::move(donated_state);
  if (params.keys() != grads.keys()) {
    throw ParamsError(fmt::format("optimizer sgd: grads hold {} paths, params {}; expected the same paths",
                                  grads.size(), params.size()));
  }
  at::NoGradGuard no_grad;
  const size_t step_index = state.index_of(step_path());
  if (step_index == Params::npos) throw ParamsError("optimizer sgd: state has no 'optim/sgd/step'; hint: use Sgd::init");
  const at::Tensor& step_tensor = state.param(step_index).value;
  if (!step_tensor.device().is_cpu() || step_tensor.scalar_type() != at::kLong || step_tensor.numel() != 1) {
    throw ParamsError("optimizer sgd: 'optim/sgd/step' must be an int64 scalar on the CPU");
  }
  const int64_t step = *step_tensor.data_ptr<int64_t>();  // host read: no dispatch, no sync
  const SgdSettings& s = settings_;

  // Filled as buffers are updated; untouched entries are copied over last, so that handles
  // taken here never make a buffer look shared to owns_buffer.
  std::vector<at::Tensor> new_state(state.size());
  if (state.owns_buffer(step_index)) {
    *step_tensor.data_ptr<int64_t>() = step + 1;
  } else {
    new_state[step_index] = at::scalar_tensor(step + 1, at::kLong);
  }
  std::vector<at::Tensor> new_params(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor direction = grads.param(i).value;
    if (s.weight_decay != 0) direction = direction.add(params.param(i).value, s.weight_decay);
    if (s.momentum != 0) {
      const size_t b = state.index_of(momentum_path(params.key(i)));
      if (b == Params::npos) {
        throw ParamsError(fmt::format("optimizer sgd: no momentum buffer for '{}' in the state", params.key(i)));
      }
      at::Tensor buffer = donated_or_copy(state, b, [&](at::Tensor& v) {
        if (step == 0) {
          v.copy_(direction);
        } else {
          v.mul_(s.momentum).add_(direction, 1.0 - s.dampening);
        }
      });
      direction = s.nesterov ? direction.add(buffer, s.momentum) : buffer;
      new_state[b] = std::move(buffer);
    }
    new_params[i] = donated_or_copy(params, i, [&](at::Tensor& v) { v.sub_(direction, s.learning_rate); });
  }
  for (size_t i = 0; i < new_state.size(); ++i) {
    if (!new_state[i].defined()) new_state[i] = state.param(i).value;
  }
  return {params.with_values(std::move(new_params)), state.with_values(std::move(new_state))};
}

}  // namespace bx
