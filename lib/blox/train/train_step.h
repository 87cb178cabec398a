// One optimisation step over Params: forward in train mode, loss, grad, update, state carried.
#pragma once

#include <functional>
#include <memory>

#include <ATen/core/Tensor.h>

#include "blox/core/module.h"
#include "blox/core/params.h"
#include "blox/core/precision.h"
#include "blox/optim/loss.h"
#include "blox/optim/loss_scaler.h"
#include "blox/optim/optimizer.h"

namespace bx {

/// Everything a training loop threads from step to step.
struct TrainState {
  Params trainable;  ///< receives gradients
  Params state;      ///< non-trainable: Rng counters, batch-norm statistics, frozen params
  Params optimizer;  ///< the optimizer's own state
};

/// How a step computes besides its model: the forward's precision and, for fp16, the loss
/// scaler (its state rides in TrainState::optimizer).
struct StepNumerics {
  Precision precision = Precision::fp32;
  std::shared_ptr<const LossScaler> scaler;

  /// fp16 gets a scaler with GradScaler's defaults; the others none.
  static StepNumerics of(Precision precision);
};

/// Splits locked params into a TrainState with fresh optimizer (and loss scaler) state.
TrainState make_train_state(Params params, const Optimizer& optimizer, const StepNumerics& numerics = {});


struct StepResult {
  at::Tensor loss;  ///< detached fp32 scalar, on the step's device
  TrainState next;
  bool skipped = false;  ///< fp16: the gradients overflowed, no update (the scale was lowered)
};

/// Maps the gradients before the update (clipping, the data-parallel average); empty: none.
/// It sees the step's (detached) loss too and may replace it: a data-parallel average carries
/// the loss in the same all-reduce and hands back its mean over ranks.
using GradTransform = std::function<Params(Params grads, at::Tensor& loss)>;

/// One step of `model` on (x, y) at `learning_rate` (< 0: the optimizer's own). Takes the
/// state by rvalue so the update can reuse the param and optimizer buffers in place
/// (donation); the loss comes back detached.
StepResult train_step(const Layer& model, const Optimizer& optimizer, const LossFn& loss_fn, TrainState&& current,
                      const at::Tensor& x, const at::Tensor& y, double learning_rate = -1,
                      const GradTransform& transform_grads = {}, const StepNumerics& numerics = {});

/// A (inputs, targets) pair of one micro-batch.
using MicroBatch = std::pair<at::Tensor, at::Tensor>;

/// One update from the mean gradient of several micro-batches (gradient accumulation): the
/// same update as one batch holding them all, when the loss is a mean. The loss returned is the
/// mean of the micro-batch losses; non-trainable state threads through the micro-batches.
StepResult train_step_accumulated(const Layer& model, const Optimizer& optimizer, const LossFn& loss_fn,
                                  TrainState&& current, const std::vector<MicroBatch>& micro_batches,
                                  double learning_rate = -1, const GradTransform& transform_grads = {},
                                  const StepNumerics& numerics = {});

}  // namespace bx
