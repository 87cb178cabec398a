// Evaluation metrics accumulated over batches: loss; for classification accuracy, top-5
// accuracy, perplexity, macro precision / recall / F1 and the confusion matrix; for regression
// RMSE, MAE and R²; for multi-label macro precision / recall / F1. Which metrics fit which loss:
// lib/blox/metrics/catalogue.h.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "blox/core/module.h"
#include "blox/core/precision.h"
#include "blox/data/loader.h"
#include "blox/optim/loss.h"

namespace bx {

using Metrics = std::map<std::string, double>;

/// What an evaluation adds up over examples (tokens, for sequences); sums from shards of the
/// data add up to the sums over the whole (data-parallel evaluation). Every metric is a
/// function of these sums, never an average of per-batch values.
struct EvalSums {
  double loss = 0;     ///< per-example loss, summed
  double correct = 0;  ///< top-1 hits
  double correct5 = 0;
  double count = 0;    ///< examples (tokens; regression and multi-label outputs: elements)
  /// Regression, one entry per output column (the last axis): errors squared, absolute errors,
  /// targets and targets squared, summed. Filled when the targets are laid out as the outputs.
  std::vector<double> squared_error, absolute_error, target_sum, target_square_sum;
  /// Per class (integer targets: the argmax of the outputs; float targets: per label, predicted
  /// where the logit > 0, true where the target > 0.5): right predictions of it, predictions
  /// of it, true examples of it.
  std::vector<double> hits, predicted, actual;
  /// Classification, when asked for: row-major [true class][predicted class].
  std::vector<double> confusion;

  /// Flat, so that the element-wise sum of several shards' values is the values of their union
  /// (each shard also counts itself, so of() recovers the sizes after a sum).
  std::vector<double> values() const;
  /// Throws Error when `v` is not such a layout.
  static EvalSums of(const std::vector<double>& v);
};

/// Runs `model` in eval mode (no grad) at `precision` over one epoch of `loader`, adding up
/// (on the device: one read at the end). `confusion`: also the confusion matrix (classes²
/// sums, so only on request).
EvalSums evaluation_sums(const Layer& model, const Params& params, Loader& loader, const LossFn& loss, c10::Device device,
                         Precision precision = Precision::fp32, bool confusion = false);

/// The requested metrics (names as in the config: catalogue.h). Macro averages
/// run over every class of the outputs; a class with no predictions (or no true examples, or
/// neither) adds 0 to precision (recall, F1), as sklearn's zero_division=0 with all labels.
/// Throws ConfigError for a name that is no metric.
Metrics metrics_of(const EvalSums& sums, const std::vector<std::string>& names);

/// "loss 0.3120  accuracy 0.8890".
std::string format_metrics(const Metrics& metrics);

}  // namespace bx
