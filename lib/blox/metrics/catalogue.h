// The evaluation metrics a config may name (`metrics:`), which losses each one fits and the
// list a run gets when it names none. Below config/, whose reader checks them;
// lib/blox/metrics/evaluation.h computes them; configs/README.md's tables are generated from here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "blox/optim/loss.h"

namespace bx {

struct MetricInfo {
  std::string name;
  std::vector<LossTask> tasks;  ///< the losses it fits, by task
  bool lower_is_better;         ///< for keep_best and early stopping
};

/// Why a metric cannot be computed, as a config diagnostic reads it.
struct MetricProblem {
  std::string message;
  std::string hint;  ///< "did you mean 'x'?" or ""
};

/// Every metric, in a fixed order (loss first).
const std::vector<MetricInfo>& metric_catalog();

/// The entry of `name`, or nullptr.
const MetricInfo* find_metric(const std::string& name);

/// Every metric's name, in catalogue order.
std::vector<std::string> metric_names();

/// The metrics that fit `task`, in catalogue order.
std::vector<std::string> metrics_for(LossTask task);

/// A run's metrics when its config names none: classification [loss, accuracy], regression
/// [loss, rmse, mae, r2], multi-label [loss, f1].
std::vector<std::string> default_metrics(LossTask task);

/// "classification", "regression", "multi-label".
std::string task_name(LossTask task);

/// Why metric `name` cannot be computed for a run with loss `loss_type` ("unknown metric ..." or
/// "metric 'accuracy' does not fit loss 'mse' ..."); nothing when it can.
std::optional<MetricProblem> metric_misfit(const std::string& name, const std::string& loss_type);

}  // namespace bx
