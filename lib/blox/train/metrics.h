// Evaluation metrics accumulated over batches: loss, accuracy, top-5 accuracy, perplexity.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "blox/core/module.h"
#include "blox/data/loader.h"
#include "blox/train/train_step.h"

namespace bx {

using Metrics = std::map<std::string, double>;

/// Runs `model` in eval mode (no grad) over one epoch of `loader` and returns the requested
/// metrics (names as in the config: loss, accuracy, top5_accuracy, perplexity), each averaged
/// over examples (tokens, for sequences).
Metrics evaluate(const Layer& model, const Params& params, Loader& loader, const LossFn& loss,
                 const std::vector<std::string>& names, c10::Device device);

/// "loss 0.3120  accuracy 0.8890".
std::string format_metrics(const Metrics& metrics);

}  // namespace bx
