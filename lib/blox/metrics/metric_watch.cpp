#include "blox/metrics/metric_watch.h"

#include "blox/metrics/catalogue.h"

namespace bx {

// The direction of each metric is stated once, in the metric catalogue.
bool lower_is_better(const std::string& metric) {
  const MetricInfo* info = find_metric(metric);
  return info != nullptr && info->lower_is_better;
}

MetricWatch::MetricWatch(std::string name, std::string metric) : name_(std::move(name)), metric_(std::move(metric)) {}

bool MetricWatch::update(const Metrics& metrics) {
  auto it = metrics.find(metric_);
  if (metric_.empty() || it == metrics.end()) return false;
  const double value = it->second;
  const bool better = !best_ || (lower_is_better(metric_) ? value < *best_ : value > *best_);
  if (better) {
    best_ = value;
    without_gain_ = 0;
  } else {
    ++without_gain_;
  }
  return better;
}

void MetricWatch::save(std::map<std::string, double>& tracking) const {
  if (best_) tracking[name_ + "/best/" + metric_] = *best_;
  tracking[name_ + "/evaluations_without_gain"] = static_cast<double>(without_gain_);
}

void MetricWatch::restore(const std::map<std::string, double>& tracking) {
  auto best = tracking.find(name_ + "/best/" + metric_);
  best_ = best == tracking.end() ? std::nullopt : std::optional<double>(best->second);
  auto count = tracking.find(name_ + "/evaluations_without_gain");
  without_gain_ = count == tracking.end() ? 0 : static_cast<int64_t>(count->second);
}

}  // namespace bx
