// Evaluation metrics accumulated over batches: loss, accuracy, top-5 accuracy, perplexity.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "blox/core/module.h"
#include "blox/core/precision.h"
#include "blox/data/loader.h"
#include "blox/train/train_step.h"

namespace bx {

using Metrics = std::map<std::string, double>;

/// What an evaluation adds up over examples (tokens, for sequences); sums from shards of the
/// data add up to the sums over the whole (data-parallel evaluation).
struct EvalSums {
  double loss = 0;     ///< per-example loss, summed
  double correct = 0;  ///< top-1 hits
  double correct5 = 0;
  double count = 0;    ///< examples (tokens)

  std::vector<double> values() const { return {loss, correct, correct5, count}; }
  static EvalSums of(const std::vector<double>& v) { return {v.at(0), v.at(1), v.at(2), v.at(3)}; }
};

/// Runs `model` in eval mode (no grad) at `precision` over one epoch of `loader`, adding up
/// (on the device: one read at the end).
EvalSums evaluation_sums(const Layer& model, const Params& params, Loader& loader, const LossFn& loss, c10::Device device,
                         Precision precision = Precision::fp32);

/// The requested metrics (names as in the config: loss, accuracy, top5_accuracy, perplexity),
/// each averaged over examples.
Metrics metrics_of(const EvalSums& sums, const std::vector<std::string>& names);

/// metrics_of(evaluation_sums(...)).
Metrics evaluate(const Layer& model, const Params& params, Loader& loader, const LossFn& loss,
                 const std::vector<std::string>& names, c10::Device device, Precision precision = Precision::fp32);

/// "loss 0.3120  accuracy 0.8890".
std::string format_metrics(const Metrics& metrics);

}  // namespace bx
