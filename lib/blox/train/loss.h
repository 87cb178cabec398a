// Losses by config name: cross entropy (with label smoothing), mean squared error, NLL.
#pragma once

#include "blox/config/run_config.h"
#include "blox/train/train_step.h"

namespace bx {

/// The loss of `config`. Classification losses take logits (B, C) or sequences (B, T, C) with
/// integer targets (B) or (B, T); mse takes outputs and float targets of the same numel.
LossFn make_loss(const LossConfig& config);

}  // namespace bx
