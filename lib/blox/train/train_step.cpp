// The training step, arranged so that no handle outlives its use: when the update runs, the
// step's own containers are the only holders of the param buffers, so SGD updates in place.
#include "blox/train/train_step.h"

#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/zeros.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/grad.h"
#include "blox/optim/accumulation.h"

namespace bx {
namespace {

struct Forward {
  at::Tensor loss;  ///< fp32, with its graph
  Params after;     ///< the params after the forward (its non-trainable state moved on)
};

// The train-mode forward under the step's precision, and the loss in fp32.
Forward forward(const Layer& model, const Params& params, const at::Tensor& x, const at::Tensor& y,
                const LossFn& loss_fn, Precision precision) {
  at::Tensor output;
  Params after;
  {
    AutocastScope autocast(precision, x.device());
    std::tie(output, after) = model(params, x, Mode::train);
  }
  return {loss_fn(full_precision(output), y), std::move(after)};
}

// The gradients of `loss` (scaled by the loss scaler's scale when there is one).
Params gradients(const at::Tensor& loss, const Params& trainable, const Params& optimizer_state,
                 const StepNumerics& numerics) {
  if (!numerics.scaler) return grad(loss, trainable);
  return grad(loss * LossScaler::scale(optimizer_state), trainable);
}

// Unscale, transform (average, clip), then update, or with fp16 skip an overflowed step.
StepResult update(const Optimizer& optimizer, Params&& trainable, Params grads, Params&& optimizer_state,
                  Params&& next_state, at::Tensor loss, double learning_rate, const GradTransform& transform_grads,
                  const StepNumerics& numerics) {
  if (numerics.scaler) grads = LossScaler::unscale(grads, optimizer_state);
  if (transform_grads) grads = transform_grads(std::move(grads), loss);
  if (numerics.scaler) {
    // After the data-parallel average: an overflow on any rank reaches every rank's decision.
    const bool finite = LossScaler::all_finite(grads);
    optimizer_state = numerics.scaler->update(optimizer_state, finite);
    if (!finite) {
      return {std::move(loss), TrainState{trainable.detached(), std::move(next_state), std::move(optimizer_state)},
              true};
    }
  }
  auto updated = optimizer.step(std::move(trainable), grads, std::move(optimizer_state), learning_rate);
  return {std::move(loss), TrainState{std::move(updated.params), std::move(next_state), std::move(updated.state)}};
}

}  // namespace

StepNumerics StepNumerics::of(Precision precision) {
  StepNumerics n{precision, nullptr};
  if (precision == Precision::fp16) n.scaler = std::make_shared<const LossScaler>();
  return n;
}

TrainState make_train_state(Params params, const Optimizer& optimizer, const StepNumerics& numerics) {
  auto [trainable, state] = std::move(params).split();
  Params optimizer_state = optimizer.init(trainable);
  if (numerics.scaler) optimizer_state = optimizer_state.merge(numerics.scaler->init());
  return {std::move(trainable), std::move(state), std::move(optimizer_state)};
}

StepResult train_step(const Layer& model, const Optimizer& optimizer, const LossFn& loss_fn, TrainState&& current,
                      const at::Tensor& x, const at::Tensor& y, double learning_rate,
                      const GradTransform& transform_grads, const StepNumerics& numerics) {
  TrainState taken = std::move(current);  // the caller's moved-from state holds no handles
  Params trainable = std::move(taken.trainable).requiring_grad();
  at::Tensor loss;
  Params grads;
  Params next_state;
  {
    Forward f = forward(model, trainable.merge(taken.state), x, y, loss_fn, numerics.precision);
    grads = gradients(f.loss, trainable, taken.optimizer, numerics);
    loss = f.loss.detach();  // drops the graph, whose AccumulateGrad nodes hold the params
    next_state = std::move(f.after).split().second;
  }  // the forward's outputs die here, releasing their handles on the param buffers
  return update(optimizer, std::move(trainable), std::move(grads), std::move(taken.optimizer), std::move(next_state),
                std::move(loss), learning_rate, transform_grads, numerics);
}

StepResult train_step_accumulated(const Layer& model, const Optimizer& optimizer, const LossFn& loss_fn,
                                  TrainState&& current, const std::vector<MicroBatch>& micro_batches,
                                  double learning_rate, const GradTransform& transform_grads,
                                  const StepNumerics& numerics) {
  if (micro_batches.empty()) throw Error("train_step_accumulated: no micro-batches");
  TrainState taken = std::move(current);
  Params trainable = std::move(taken.trainable).requiring_grad();
  Params state = std::move(taken.state);
  GradientAccumulator accumulator;
  at::Tensor loss_sum = at::zeros({}, micro_batches.front().first.options().dtype(at::kFloat));
  for (const auto& [x, y] : micro_batches) {
    Forward f = forward(model, trainable.merge(state), x, y, loss_fn, numerics.precision);
    accumulator.add(gradients(f.loss, trainable, taken.optimizer, numerics));
    loss_sum += f.loss.detach();  // summed on the device: no host read per micro-batch
    state = std::move(f.after).split().second;
  }
  at::Tensor loss = loss_sum / static_cast<double>(micro_batches.size());
  return update(optimizer, std::move(trainable), accumulator.mean(), std::move(taken.optimizer), std::move(state),
                std::move(loss), learning_rate, transform_grads, numerics);
}

}  // namespace bx
