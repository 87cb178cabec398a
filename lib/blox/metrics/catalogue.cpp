// One table of metrics: the config check, the defaults and the docs all read it.
#include "blox/metrics/catalogue.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/suggest.h"

namespace bx {

const std::vector<MetricInfo>& metric_catalog() {
  using T = LossTask;
  static const std::vector<MetricInfo> kCatalog = {
      {"loss", {T::classification, T::regression, T::multi_label}, true},  // averaged over examples
      {"accuracy", {T::classification}, false},                            // the top class is the label
      {"top5_accuracy", {T::classification}, false},                       // the label is among the top 5
      {"perplexity", {T::classification}, true},                           // exp(mean loss)
      // Macro averages over classes (multi-label: over labels, predicted where the logit > 0).
      {"precision", {T::classification, T::multi_label}, false},
      {"recall", {T::classification, T::multi_label}, false},
      {"f1", {T::classification, T::multi_label}, false},
      // Per target, then averaged over targets (sklearn's multioutput="uniform_average").
      {"rmse", {T::regression}, true},
      {"mae", {T::regression}, true},
      {"r2", {T::regression}, false},
  };
  return kCatalog;
}

const MetricInfo* find_metric(const std::string& name) {
  const auto& catalog = metric_catalog();
  auto it = std::find_if(catalog.begin(), catalog.end(), [&](const MetricInfo& m) { return m.name == name; });
  return it == catalog.end() ? nullptr : &*it;
}

std::vector<std::string> metric_names() {
  std::vector<std::string> out;
  for (const auto& m : metric_catalog()) out.push_back(m.name);
  return out;
}

std::vector<std::string> metrics_for(LossTask task) {
  std::vector<std::string> out;
  for (const auto& m : metric_catalog()) {
    if (std::find(m.tasks.begin(), m.tasks.end(), task) != m.tasks.end()) out.push_back(m.name);
  }
  return out;
}

std::vector<std::string> default_metrics(LossTask task) {
  switch (task) {
    case LossTask::classification: return {"loss", "accuracy"};
    case LossTask::regression: return {"loss", "rmse", "mae", "r2"};
    case LossTask::multi_label: return {"loss", "f1"};
  }
  return {"loss"};
}

std::string task_name(LossTask task) {
  switch (task) {
    case LossTask::classification: return "classification";
    case LossTask::regression: return "regression";
    case LossTask::multi_label: return "multi-label";
  }
  return "?";
}

std::optional<MetricProblem> metric_misfit(const std::string& name, const std::string& loss_type) {
  const MetricInfo* metric = find_metric(name);
  if (!metric) {
    const auto suggestion = closest_match(name, metric_names());
    return MetricProblem{fmt::format("unknown metric '{}' (known: {})", name, fmt::join(metric_names(), ", ")),
                         suggestion ? "did you mean '" + *suggestion + "'?" : ""};
  }
  const LossTask task = loss_task(loss_type);
  if (std::find(metric->tasks.begin(), metric->tasks.end(), task) != metric->tasks.end()) return std::nullopt;
  return MetricProblem{fmt::format("metric '{}' does not fit loss '{}' (a {} loss; its metrics: {})", name,
                                   loss_type, task_name(task), fmt::join(metrics_for(task), ", ")),
                       ""};
}

}  // namespace bx
