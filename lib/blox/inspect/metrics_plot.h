// Loss, metric and learning-rate curves of a run as an SVG picture.
#pragma once

#include <string>
#include <vector>

#include "blox/train/run_log.h"

namespace bx {

/// A run's metrics rows and the name its curves go by in the legends.
struct RunCurves {
  std::string name;  ///< "": a plot of this run alone, whose legends need no run name
  std::vector<MetricsRow> rows;
};

/// One panel per quantity, sharing the step axis: the losses (train_loss and the evaluation's
/// loss), then each other evaluated metric (accuracy, perplexity, ...), then the learning rate.
/// Each run's curves are overlaid, a legend naming the run and the evaluated split ("test
/// accuracy"; rows written before splits were recorded say "evaluation loss", "accuracy").
/// Self-contained SVG 1.1 (no scripts, no external fonts). Throws Error when a run has no rows.
std::string plot_metrics_svg(const std::vector<RunCurves>& runs, const std::string& title);
/// One run's curves.
std::string plot_metrics_svg(const std::vector<MetricsRow>& rows, const std::string& title);

/// Tick positions covering [lo, hi] at a 1-2-5 step, about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

}  // namespace bx
