// The training step, arranged so that no handle outlives its use: when the update runs, the
// step's own containers are the only holders of the param buffers, so SGD updates in place.
#include "blox/train/train_step.h"

#include <ATen/ops/scalar_tensor.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/grad.h"
#include "blox/optim/accumulation.h"

namespace bx {

TrainState make_train_state(Params params, const Optimizer& optimizer) {
  auto [trainable, state] = std::move(params).split();
  Params optimizer_state = optimizer.init(trainable);
  return {std::move(trainable), std::move(state), std::move(optimizer_state)};
}

StepResult train_step(const Layer& model, const Optimizer& optimizer, const LossFn& loss_fn, TrainState&& current,
                      const at::Tensor& x, const at::Tensor& y, double learning_rate,
                      const GradTransform& transform_grads) {
  TrainState taken = std::move(current);  // the caller's moved-from state holds no handles
  Params trainable = std::move(taken.trainable).requiring_grad();
  at::Tensor loss;
  Params grads;
  Params next_state;
  {
    auto [output, after] = model(trainable.merge(taken.state), x, Mode::train);
    loss = loss_fn(output, y);
    grads = grad(loss, trainable);
    loss = loss.detach();  // drops the graph, whose AccumulateGrad nodes hold the params
    next_state = std::move(after).split().second;
  }  // `output` and `after` die here, releasing their handles on the param buffers
  if (transform_grads) grads = transform_grads(std::move(grads), loss);
  auto updated = optimizer.step(std::move(trainable), grads, std::move(taken.optimizer), learning_rate);
  return {std::move(loss), TrainState{std::move(updated.params), std::move(next_state), std::move(updated.state)}};
}

StepResult train_step_accumulated(const Layer& model, const Optimizer& optimizer, const LossFn& loss_fn,
                                  TrainState&& current, const std::vector<MicroBatch>& micro_batches,
                                  double learning_rate, const GradTransform& transform_grads) {
  if (micro_batches.empty()) throw Error("train_step_accumulated: no micro-batches");
  TrainState taken = std::move(current);
  Params trainable = std::move(taken.trainable).requiring_grad();
  Params state = std::move(taken.state);
  GradientAccumulator accumulator;
  double loss_sum = 0;
  for (const auto& [x, y] : micro_batches) {
    auto [output, after] = model(trainable.merge(state), x, Mode::train);
    const at::Tensor loss = loss_fn(output, y);
    accumulator.add(grad(loss, trainable));
    loss_sum += loss.item<double>();
    state = std::move(after).split().second;
  }
  Params grads = accumulator.mean();
  at::Tensor loss = at::scalar_tensor(loss_sum / static_cast<double>(micro_batches.size()));
  if (transform_grads) grads = transform_grads(std::move(grads), loss);
  auto updated = optimizer.step(std::move(trainable), grads, std::move(taken.optimizer), learning_rate);
  return {std::move(loss),
          TrainState{std::move(updated.params), std::move(state), std::move(updated.state)}};
}

}  // namespace bx
