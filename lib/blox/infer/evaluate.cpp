#include "blox/infer/evaluate.h"

#include <regex>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/metrics/catalogue.h"
#include "blox/optim/loss.h"
#include "blox/runtime/device.h"
#include "blox/train/run_data.h"

namespace bx {

Assertion Assertion::parse(const std::string& text) {
  static const std::regex form(R"(^\s*([A-Za-z0-9_]+)\s*(>=|<=|==|>|<)\s*([-+0-9.eE]+)\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, form)) {
    throw ConfigError(fmt::format("--assert '{}': expected METRIC OP VALUE, e.g. \"accuracy>=0.9\"", text));
  }
  const std::string number = m[3];
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != number.size()) throw ConfigError(fmt::format("--assert '{}': '{}' is not a number", text, number));
  return {m[1], m[2], value};
}

bool Assertion::holds(double v) const {
  if (op == ">=") return v >= value;
  if (op == "<=") return v <= value;
  if (op == ">") return v > value;
  if (op == "<") return v < value;
  return v == value;
}

std::string Assertion::text() const { return fmt::format("{}{}{}", metric, op, value); }

std::vector<AssertionResult> check_assertions(const std::vector<Assertion>& assertions, const Metrics& metrics) {
  std::vector<AssertionResult> results;
  for (const Assertion& a : assertions) {
    const auto it = metrics.find(a.metric);
    if (it == metrics.end()) {
      throw ConfigError(fmt::format("--assert '{}': no metric '{}' (this config computes: {})", a.text(), a.metric,
                                    format_metrics(metrics)));
    }
    results.push_back({a, it->second, a.holds(it->second)});
  }
  return results;
}

std::string default_split(const DataConfig& data, std::string* note) {
  if (!data.test.empty() || data.validation_fraction <= 0) return "test";
  if (note != nullptr) {
    *note = fmt::format("no test split in this config: evaluating the validation split (data.validation_fraction {})",
                        data.validation_fraction);
  }
  return "validation";
}

Evaluation evaluate(const TrainedModel& model, const std::string& split, bool confusion) {
  const RunConfig& run = model.prepared.run;
  Evaluation result;
  result.split = split.empty() ? default_split(run.data, &result.note) : split;
  if (confusion && loss_task(run.loss.type) != LossTask::classification) {
    throw ConfigError(fmt::format("--confusion needs a classification loss; this run's loss '{}' is a {} loss",
                                  run.loss.type, task_name(loss_task(run.loss.type))));
  }
  const Dataset data = load_split(run.data, run.seed, result.split, Vocabulary::find(model.checkpoint.params));
  Loader loader(data, evaluation_loader_settings(run.data), evaluation_transforms(run.data));
  const c10::Device device = resolve_device(run.device);
  result.sums = evaluation_sums(*model.prepared.model.layer, params_to_device(model.checkpoint.params, device), loader,
                                make_loss(run.loss), device, precision_from_name(run.train.precision), confusion);
  result.metrics = metrics_of(result.sums, run.metrics);
  return result;
}

}  // namespace bx
