// The update loop every optimizer shares: path checks, step counting, slot lookup, donation.
#include "blox/optim/optimizer.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ops/full_like.h>
#include <ATen/ops/scalar_tensor.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/glob.h"

namespace bx {
namespace {

// The buffer to write: the container's own when it alone holds it, else a copy.
at::Tensor writable(const Params& owner, size_t i) {
  const bool donated = owner.owns_buffer(i);  // checked before a handle is taken here
  return donated ? owner.param(i).value : owner.param(i).value.detach().clone();
}

}  // namespace

Optimizer::Optimizer(std::string name, std::vector<std::string> slots, double learning_rate,
                     std::vector<std::string> no_decay)
    : name_(std::move(name)),
      slots_(std::move(slots)),
      learning_rate_(learning_rate),
      no_decay_(std::move(no_decay)),
      step_path_("optim/" + name_ + "/step") {
  require(learning_rate_ >= 0, "learning_rate", fmt::format("learning_rate: expected a value >= 0, got {}", learning_rate_));
}

void Optimizer::require(bool ok, const std::string& field, const std::string& message) const {
  if (!ok) throw SettingError(field, "optimizer " + name_ + ": " + message);
}

double Optimizer::lr_mult_for(const std::string& path) const {
  for (const auto& entry : lr_mult_) {
    if (glob_selects(entry.params, path)) return entry.mult;
  }
  return 1.0;
}

double Optimizer::slot_initial_value(size_t) const { return 0.0; }

std::string Optimizer::slot_path(const std::string& slot, const std::string& param_path) const {
  return "optim/" + name_ + "/" + slot + "/" + param_path;
}

Params Optimizer::init(const Params& trainable) const {
  at::NoGradGuard no_grad;
  Params state = Params().with(step_path_, Param{at::scalar_tensor(int64_t{0}, at::kLong), false, {}});
  for (size_t s = 0; s < slots_.size(); ++s) {
    for (size_t i = 0; i < trainable.size(); ++i) {
      const at::Tensor value = at::full_like(trainable.param(i).value.detach(), slot_initial_value(s));
      state = state.with(slot_path(slots_[s], trainable.key(i)), Param{value, false, {}});
    }
  }
  return state;
}

Optimizer::Result Optimizer::step(Params&& donated_params, const Params& grads, Params&& donated_state,
                                  double learning_rate) const {
  // Take the containers over, so the caller's moved-from objects hold no stale handles.
  Params params = std::move(donated_params);
  Params state = std::move(donated_state);
  if (params.keys() != grads.keys()) {
    throw ParamsError(fmt::format("optimizer {}: grads hold {} paths, params {}; expected the same paths", name_,
                                  grads.size(), params.size()));
  }
  const double lr = learning_rate < 0 ? learning_rate_ : learning_rate;
  at::NoGradGuard no_grad;
  const size_t step_index = state.index_of(step_path_);
  if (step_index == Params::npos) {
    throw ParamsError(fmt::format("optimizer {}: state has no '{}'; hint: create it with init()", name_, step_path_));
  }
  const at::Tensor& step_tensor = state.param(step_index).value;
  if (!step_tensor.device().is_cpu() || step_tensor.scalar_type() != at::kLong || step_tensor.numel() != 1) {
    throw ParamsError(fmt::format("optimizer {}: '{}' must be an int64 scalar on the CPU", name_, step_path_));
  }
  const int64_t step = *step_tensor.data_ptr<int64_t>() + 1;  // host read: no dispatch, no device sync

  // Filled as buffers are written; untouched entries are copied over last, so handles taken
  // here never make a buffer look shared to owns_buffer.
  std::vector<at::Tensor> new_state(state.size());
  if (state.owns_buffer(step_index)) {
    *step_tensor.data_ptr<int64_t>() = step;
  } else {
    new_state[step_index] = at::scalar_tensor(step, at::kLong);
  }
  std::vector<at::Tensor> new_params(params.size());
  std::vector<size_t> slot_index(slots_.size());
  std::vector<at::Tensor> slot_values(slots_.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string& path = params.key(i);
    for (size_t s = 0; s < slots_.size(); ++s) {
      slot_index[s] = state.index_of(slot_path(slots_[s], path));
      if (slot_index[s] == Params::npos) {
        throw ParamsError(fmt::format("optimizer {}: no '{}' slot for '{}' in the state; hint: the state was made "
                                      "for other params",
                                      name_, slots_[s], path));
      }
      slot_values[s] = writable(state, slot_index[s]);
    }
    bool decay = true;
    for (const auto& pattern : no_decay_) decay = decay && !glob_selects(pattern, path);
    at::Tensor value = writable(params, i);
    update(value, grads.param(i).value, slot_values, step, lr_mult_.empty() ? lr : lr * lr_mult_for(path), decay);
    new_params[i] = std::move(value);
    for (size_t s = 0; s < slots_.size(); ++s) new_state[slot_index[s]] = std::move(slot_values[s]);
  }
  for (size_t i = 0; i < new_state.size(); ++i) {
    if (!new_state[i].defined()) new_state[i] = state.param(i).value;
  }
  return {params.with_values(std::move(new_params)), state.with_values(std::move(new_state))};
}

}  // namespace bx
