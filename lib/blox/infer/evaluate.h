// blox eval's work: a trained model's metrics on a split, and the assertions that make it a CI gate.
#pragma once

#include <string>
#include <vector>

#include "blox/infer/trained_model.h"
#include "blox/metrics/evaluation.h"

namespace bx {

/// "accuracy>=0.9": a metric, a comparison (>=, <=, ==, >, <) and a value.
struct Assertion {
  std::string metric, op;
  double value = 0;

  /// Throws ConfigError for text not of the form METRIC OP VALUE.
  static Assertion parse(const std::string& text);
  bool holds(double metric_value) const;
  std::string text() const;  ///< "accuracy>=0.9"
};

struct AssertionResult {
  Assertion assertion;
  double value = 0;  ///< the metric's value
  bool ok = false;
};

/// Each assertion against `metrics`, in order. Throws ConfigError for a metric the run does not
/// compute (naming those it does).
std::vector<AssertionResult> check_assertions(const std::vector<Assertion>& assertions, const Metrics& metrics);

struct Evaluation {
  std::string split;
  EvalSums sums;
  Metrics metrics;  ///< the run's metrics: list
  std::string note;  ///< why the split was chosen when none was asked for ("": nothing to say)
};

/// The split eval reads when none is named: test, or the held-out validation split of a config
/// without test data (`note` then says so).
std::string default_split(const DataConfig& data, std::string* note = nullptr);

/// `model` evaluated on `split` ("": default_split) of its run's data, at the run's device and
/// precision; `confusion` adds the confusion matrix (a classification loss only, else
/// ConfigError).
Evaluation evaluate(const TrainedModel& model, const std::string& split, bool confusion = false);

}  // namespace bx
