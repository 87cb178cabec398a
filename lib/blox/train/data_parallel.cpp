#include "blox/train/data_parallel.h"

#include <csignal>

#include <ATen/core/grad_mode.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/tensor.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/runtime/stop_signals.h"

namespace bx {
namespace {

std::vector<at::Tensor> floating_values(const Params& params) {
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < params.size(); ++i) {
    const at::Tensor& v = params.param(i).value;
    if (at::isFloatingType(v.scalar_type())) out.push_back(v);
  }
  return out;
}

// The signal stop_signals recorded, as the cadence names it.
StopSignal pending_signal() {
  switch (pending_stop_signal()) {
    case SIGINT:
      return StopSignal::interrupt;
    case SIGTERM:
      return StopSignal::terminate;
    case SIGUSR1:
      return StopSignal::save_and_continue;
    default:
      return StopSignal::none;
  }
}

}  // namespace

DataParallel::DataParallel(const LaunchEnv& env, const DistSettings& settings, c10::Device device) : env_(env) {
  if (env_.distributed()) {
    collectives_ = std::make_unique<Collectives>(env_, std::chrono::seconds(settings.timeout_seconds), device);
  }
}

void require_divisible_batch(int64_t batch_size, int64_t processes) {
  if (batch_size % processes != 0) {
    throw ConfigError(fmt::format("data.batch_size {} is the global batch: it must divide among {} processes",
                                  batch_size, processes));
  }
}

LoaderSettings DataParallel::shard(LoaderSettings settings) const {
  require_divisible_batch(settings.batch_size, env_.world_size);
  settings.batch_size /= env_.world_size;
  settings.rank = env_.rank;
  settings.world_size = env_.world_size;
  return settings;
}

Dataset DataParallel::shard(const Dataset& data) const {
  if (!distributed()) return data;
  const int64_t begin = data.size() * env_.rank / env_.world_size;
  const int64_t end = data.size() * (env_.rank + 1) / env_.world_size;
  if (data.stream) return data.subset(at::arange(begin, end, at::kLong), data.source);
  return {data.inputs.narrow(0, begin, end - begin), data.targets.narrow(0, begin, end - begin), data.source, nullptr};
}

void DataParallel::same_as_main(const Params& params) const {
  if (!distributed()) return;
  std::vector<at::Tensor> values;
  for (size_t i = 0; i < params.size(); ++i) values.push_back(params.param(i).value);
  at::NoGradGuard no_grad;
  collectives_->broadcast(values);
}

std::string DataParallel::same_as_main(const std::string& text) const {
  return distributed() ? collectives_->broadcast_text(text) : text;
}

GradTransform DataParallel::averaging_grads(GradTransform then) const {
  if (!distributed()) return then;
  return [this, then = std::move(then)](Params grads, at::Tensor& loss) {
    std::vector<at::Tensor> values;
    for (size_t i = 0; i < grads.size(); ++i) values.push_back(grads.param(i).value);
    // The loss and one flag per stop signal ride at the end of the last bucket: averaged, the
    // loss is the global mean and a flag above 0 means some rank received that signal.
    const StopSignal local = pending_signal();
    const at::Tensor flags = at::tensor({local == StopSignal::interrupt ? 1.f : 0.f, local == StopSignal::terminate ? 1.f : 0.f,
                                         local == StopSignal::save_and_continue ? 1.f : 0.f});
    at::Tensor control = at::cat({loss.reshape({1}).to(at::kFloat), flags.to(loss.device())});
    values.push_back(control);
    collectives_->average(values);
    const at::Tensor agreed = control.cpu();
    const float* v = agreed.data_ptr<float>();
    agreed_signal_ = v[1] > 0 ? StopSignal::interrupt
                     : v[2] > 0 ? StopSignal::terminate
                     : v[3] > 0 ? StopSignal::save_and_continue
                                : StopSignal::none;
    loss = at::scalar_tensor(static_cast<double>(v[0]));
    return then ? then(std::move(grads), loss) : grads;
  };
}

void DataParallel::average_state(const Params& state) const {
  if (!distributed()) return;
  at::NoGradGuard no_grad;
  collectives_->average(floating_values(state));
}


StopSignal DataParallel::agreed_signal() const { return distributed() ? agreed_signal_ : pending_signal(); }

EvalSums DataParallel::agree(const EvalSums& sums) const {
  return distributed() ? EvalSums::of(collectives_->sum(sums.values())) : sums;
}

void DataParallel::require_identical(const Params& params, int64_t step) const {
  if (!distributed()) return;
  // FNV-1a over every byte, as a non-negative int64: equal on all ranks iff max(h) == -max(-h).
  uint64_t hash = 14695981039346656037ull;
  for (size_t i = 0; i < params.size(); ++i) {
    const at::Tensor bytes = params.param(i).value.detach().cpu().contiguous();
    const auto* p = static_cast<const uint8_t*>(bytes.data_ptr());
    for (size_t b = 0; b < bytes.nbytes(); ++b) hash = (hash ^ p[b]) * 1099511628211ull;
  }
  const auto h = static_cast<int64_t>(hash >> 1);
  if (collectives_->max(h) != -collectives_->max(-h)) {
    throw DistError(fmt::format("rank {}: params differ between ranks at step {}; the ranks ran different steps "
                                "(a bug: please report it)", env_.rank, step));
  }
}

void DataParallel::barrier() const {
  if (distributed()) collectives_->barrier();
}

}  // namespace bx
