// Losses by config name: classification (cross entropy with label smoothing, NLL), regression
// (mean squared error, L1, Huber) and multi-label (binary cross entropy of logits). Optax keeps
// its losses beside its optimizers; so does blox, below the config that names them.
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

/// What a loss's outputs mean; it decides which metrics fit the run (lib/blox/metrics/catalogue.h).
enum class LossTask {
  classification,  ///< logits (..., C) against integer class indices (...)
  regression,      ///< values (..., K) against float targets (..., K), or (...) when K is 1
  multi_label,     ///< logits (..., K) against 0/1 float targets (..., K): K independent yes/no labels
};

/// The names builtin_losses() knows, sorted.
std::vector<std::string> loss_types();

/// `loss:`.
struct LossSettings {
  std::string type = "cross_entropy";
  double label_smoothing = 0.0;
  double delta = 1.0;

  template <class Visit>
  void fields(Visit& visit) {
    visit("type", type, Rule::one_of(loss_types()), "the loss (below)");
    visit("label_smoothing", label_smoothing, Rule::fraction(), "cross_entropy only: weight moved to a uniform target");
    visit("delta", delta, Rule::positive(),
          "huber only: the error size where the loss turns from quadratic to linear (PyTorch's HuberLoss delta)");
  }
};

using LossMaker = std::function<LossFn(const LossSettings& settings)>;

/// A registered loss: its task and how to make it from the settings.
struct LossEntry {
  LossTask task;
  LossMaker make;
};

/// Every loss blox ships, each with its task (see LossTask for the shapes it takes).
const TypeRegistry<LossEntry>& builtin_losses();

/// The loss `settings` name (their type must be one of loss_types()).
LossFn make_loss(const LossSettings& settings);

/// The task of loss `type`; throws ConfigError naming the known ones when there is no such loss.
LossTask loss_task(const std::string& type);

/// Whether `targets` are shaped as `output` (..., K), or (...) with `output` (..., 1): the
/// layout regression and multi-label losses take.
bool laid_out_alike(const at::Tensor& output, const at::Tensor& targets);

/// Regression and multi-label targets laid out as `output`: the same shape, or (...) for an
/// output (..., 1), converted to the output's dtype. Throws ShapeError naming `who` and both
/// shapes otherwise.
at::Tensor targets_like(const at::Tensor& output, const at::Tensor& targets, const std::string& who);

}  // namespace bx
