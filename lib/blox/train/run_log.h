// The text files of a run directory: config.yaml, metrics.jsonl and metrics.csv.
#pragma once

#include <string>
#include <vector>

#include "blox/train/metrics.h"

namespace bx {

/// One row of metrics.jsonl / metrics.csv: written after each evaluation (and at each epoch's end).
struct MetricsRow {
  int64_t step = 0;
  int64_t epoch = 0;              ///< 1-based: the epoch the step belongs to
  double lr = 0;
  double train_loss = 0;          ///< mean over the steps since the previous row
  double examples_per_second = 0; ///< training examples over training time since the previous row
  Metrics metrics;                ///< the evaluation's (empty when there was none)
};

/// Reads a metrics.jsonl file. Throws DataError naming file:line for a line that is not a JSON
/// object with a numeric step, and Error for a missing file.
std::vector<MetricsRow> read_metrics_log(const std::string& path);

class RunLog {
 public:
  /// Creates `dir`. `metrics` are the CSV's metric columns, in order.
  RunLog(std::string dir, std::vector<std::string> metrics);

  void write_config(const std::string& yaml) const;
  /// Appends to both files (the CSV gets its header when new).
  void record(const MetricsRow& row) const;
  /// Drops the rows after `step` (a resumed run does those steps again), atomically per file.
  void truncate_after(int64_t step) const;

 private:
  std::string dir_;
  std::vector<std::string> metrics_;
};

}  // namespace bx
