// The best value of one metric over a run's evaluations (keep_best, early stopping).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "blox/metrics/evaluation.h"

namespace bx {

/// True for metrics where lower is better (loss, perplexity).
bool lower_is_better(const std::string& metric);

/// Watches `metric`: whether each evaluation improves on the best so far, and how many
/// evaluations in a row did not. Its memory goes into a checkpoint's `tracking` under
/// `name/...`, so a resumed run decides exactly as the uninterrupted one would.
class MetricWatch {
 public:
  MetricWatch(std::string name, std::string metric);

  /// Takes one evaluation; true when it holds the metric and improves on the best (the first
  /// value always does). Evaluations without the metric change nothing.
  bool update(const Metrics& metrics);

  const std::string& metric() const { return metric_; }
  std::optional<double> best() const { return best_; }
  int64_t evaluations_without_gain() const { return without_gain_; }

  void save(std::map<std::string, double>& tracking) const;
  void restore(const std::map<std::string, double>& tracking);

 private:
  std::string name_;
  std::string metric_;
  std::optional<double> best_;
  int64_t without_gain_ = 0;
};

}  // namespace bx
