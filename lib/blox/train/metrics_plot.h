// Loss, metric and learning-rate curves of a run as an SVG picture.
#pragma once

#include <string>
#include <vector>

#include "blox/train/run_log.h"

namespace bx {

/// One panel per quantity, sharing the step axis: the losses (train_loss and the evaluation's
/// loss), then each other evaluated metric (accuracy, perplexity, ...), then the learning rate.
/// Self-contained SVG 1.1 (no scripts, no external fonts). Throws Error for no rows.
std::string plot_metrics_svg(const std::vector<MetricsRow>& rows, const std::string& title);

/// Tick positions covering [lo, hi] at a 1-2-5 step, about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

}  // namespace bx
