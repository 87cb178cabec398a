// The average is pure arithmetic on Params: its update reads only the average, the params and the
// step, so a resumed run (which restores all three) continues it bitwise.
#include "blox/train/ema.h"

#include <algorithm>

#include <ATen/core/grad_mode.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/shape.h"

namespace bx {
namespace {

const std::string kEmaPrefix = "ema/";

// "FILE: " when the params came from one.
std::string from(const std::string& source) { return source.empty() ? "" : source + ": "; }

}  // namespace

std::string ema_path(const std::string& param_path) { return kEmaPrefix + param_path; }

bool is_ema_path(const std::string& path) { return path.compare(0, kEmaPrefix.size(), kEmaPrefix) == 0; }

bool has_ema(const Params& params) {
  const auto& keys = params.keys();
  return std::any_of(keys.begin(), keys.end(), is_ema_path);
}

Params start_ema(const Params& trainable) {
  at::NoGradGuard no_grad;
  Params ema;
  for (size_t i = 0; i < trainable.size(); ++i) {
    // A copy: the optimizer updates the params' buffers in place.
    const at::Tensor copy = trainable.param(i).value.detach().clone();
    ema = ema.with(ema_path(trainable.key(i)), Param{copy, false, {{"tag", "ema"}}});
  }
  return trainable.is_locked() ? ema.locked() : ema;
}

double ema_decay(const EmaConfig& settings, int64_t step) {
  if (!settings.warmup) return settings.decay;
  const double t = static_cast<double>(step);
  return std::min(settings.decay, (1.0 + t) / (10.0 + t));
}

Params update_ema(Params&& donated, const Params& trainable, const EmaConfig& settings, int64_t step) {
  Params ema = std::move(donated);  // the caller's moved-from container holds no handles
  const double weight = 1.0 - ema_decay(settings, step);
  at::NoGradGuard no_grad;
  // Filled as averages are written; the ones no param moves are carried over last.
  std::vector<at::Tensor> values(ema.size());
  for (size_t i = 0; i < trainable.size(); ++i) {
    const std::string& path = trainable.key(i);
    const size_t e = ema.index_of(ema_path(path));
    if (e == Params::npos) {
      throw ParamsError(fmt::format("ema: no average of the trainable param '{}'; hint: the average was made for "
                                    "other params", path));
    }
    const at::Tensor& param = trainable.param(i).value;
    const at::Tensor& average = ema.param(e).value;
    if (average.sizes() != param.sizes()) {
      throw ParamsError(fmt::format("ema: '{}' is {} where its param is {}", ema.key(e), format_shape(average.sizes()),
                                    format_shape(param.sizes())));
    }
    // lerp(a, p, w) = a + w (p - a): the form of timm's update; in place when donated.
    values[e] = ema.owns_buffer(e) ? average.lerp_(param, weight) : average.lerp(param, weight);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i].defined()) values[i] = ema.param(i).value;
  }
  return ema.with_values(std::move(values));
}

std::pair<Params, Params> split_ema(const Params& params) {
  return {params.filter([](const std::string& path, const Param&) { return !is_ema_path(path); }),
          params.filter([](const std::string& path, const Param&) { return is_ema_path(path); })};
}

Params evaluation_params(const Params& params, bool use_ema, const std::string& source) {
  const std::pair<Params, Params> parts = split_ema(params);
  const Params& model = parts.first;
  const Params& ema = parts.second;
  if (!use_ema || ema.empty()) return model;
  for (size_t i = 0; i < ema.size(); ++i) {
    const std::string path = ema.key(i).substr(kEmaPrefix.size());
    const Param* param = model.find(path);
    const at::Tensor& average = ema.param(i).value;
    if (param == nullptr) {
      throw CheckpointError(fmt::format("{}'{}' averages '{}', which the params do not hold; expected an average of "
                                        "each trainable param of this model", from(source), ema.key(i), path));
    }
    if (average.sizes() != param->value.sizes() || average.scalar_type() != param->value.scalar_type()) {
      throw CheckpointError(fmt::format("{}'{}' is {} {} where its param '{}' is {} {}", from(source), ema.key(i),
                                        c10::toString(average.scalar_type()), format_shape(average.sizes()), path,
                                        c10::toString(param->value.scalar_type()), format_shape(param->value.sizes())));
    }
  }
  return model.map([&](const std::string& path, const Param& p) {
    const Param* average = ema.find(ema_path(path));
    return average != nullptr ? average->value : p.value;
  });
}

}  // namespace bx
