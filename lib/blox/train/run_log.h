// The log files of a run directory: config.yaml, metrics.jsonl, metrics.csv and, when asked
// for, a TensorBoard event file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "blox/io/tensorboard_events.h"
#include "blox/metrics/evaluation.h"

namespace bx {

/// One row of metrics.jsonl / metrics.csv: written after each evaluation (and at each epoch's end).
struct MetricsRow {
  int64_t step = 0;
  int64_t epoch = 0;              ///< 1-based: the epoch the step belongs to
  double lr = 0;
  double train_loss = 0;          ///< mean over the steps since the previous row
  double examples_per_second = 0; ///< training examples over training time since the previous row
  Metrics metrics;                ///< the evaluation's (empty when there was none)
  std::string split;              ///< the evaluated split ("validation", "test"); "" without metrics
};

/// Reads a metrics.jsonl file. Throws DataError naming file:line for a line that is not a JSON
/// object with a numeric step, and Error for a missing file.
std::vector<MetricsRow> read_metrics_log(const std::string& path);

/// A row's values as TensorBoard scalars: train/loss, train/lr, train/examples_per_second and
/// eval/<metric> for each evaluation metric (metrics.jsonl's train_loss, lr, examples_per_second
/// and <metric>).
std::vector<Scalar> tensorboard_scalars(const MetricsRow& row);

class RunLog {
 public:
  /// Writes into `dir`, which must exist (rank 0's RunLock makes it; the other ranks of a run never
  /// write, nor create it). `metrics` are the CSV's metric columns, in order. `tensorboard`: rows also go
  /// to an event file (events.out.tfevents.<time>.<host>.blox) as tensorboard_scalars.
  RunLog(std::string dir, std::vector<std::string> metrics, bool tensorboard = false);

  void write_config(const std::string& yaml) const;
  /// Appends to every file. A new CSV gets the header step, epoch, lr, train_loss,
  /// examples_per_second, the metrics, split; an existing one keeps its own columns (an older
  /// run's may lack split), so a resumed run's rows stay aligned with its header.
  void record(const MetricsRow& row);
  /// Drops the rows after `step` (a resumed run does those steps again), atomically per file.
  /// With tensorboard, the event files then hold what metrics.jsonl holds: rows it lacks (the
  /// setting was off before; a crash between the two writes) are added, stamped with the time now.
  /// DataError naming an event file that cannot be read or is damaged.
  void truncate_after(int64_t step);

 private:
  EventWriter& events();

  std::string dir_;
  std::vector<std::string> metrics_;
  std::vector<std::string> csv_columns_;  ///< the CSV header's, read at the first row
  bool tensorboard_ = false;
  std::optional<EventWriter> events_;  ///< opened at the first row or truncation
};

}  // namespace bx
