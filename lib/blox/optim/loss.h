// Losses by config name: cross entropy (with label smoothing), mean squared error, NLL. Optax
// keeps its losses beside its optimizers; so does blox, below the config that names them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "blox/schema/rule.h"
#include "blox/schema/type_registry.h"

namespace bx {

/// The training objective: a scalar from a model's outputs and the batch's targets.
using LossFn = std::function<at::Tensor(const at::Tensor& output, const at::Tensor& targets)>;

/// The names builtin_losses() knows, sorted.
std::vector<std::string> loss_types();

/// `loss:`.
struct LossSettings {
  std::string type = "cross_entropy";
  double label_smoothing = 0.0;

  template <class Visit>
  void fields(Visit& visit) {
    visit("type", type, Rule::one_of(loss_types()), "the loss (below)");
    visit("label_smoothing", label_smoothing, Rule::fraction(), "cross_entropy only: weight moved to a uniform target");
  }
};

using LossMaker = std::function<LossFn(const LossSettings& settings)>;

/// Every loss blox ships. Classification losses take logits (B, C) or sequences (B, T, C) with
/// integer targets (B) or (B, T); mse takes outputs and float targets of the same numel.
const TypeRegistry<LossMaker>& builtin_losses();

/// The loss `settings` name (their type must be one of loss_types()).
LossFn make_loss(const LossSettings& settings);

}  // namespace bx
