// LossTally: the training loss, added up where it is computed. Reading a GPU loss every step
// would make the host wait for each step to finish; steps add to device tensors instead, and
// the host reads them only at a progress line, a metrics row, an evaluation or a save. On the
// CPU a read costs nothing, so each step is read at once unless told otherwise.
#pragma once

#include <cstdint>
#include <optional>

#include <ATen/core/Tensor.h>

namespace bx {

/// The first step whose loss was not finite.
struct BadLoss {
  int64_t step = 0;
  double loss = 0;
};

class LossTally {
 public:
  /// `defer_reads`: keep the sums in tensors where the losses are (for a GPU run); else read
  /// each loss as it comes.
  explicit LossTally(bool defer_reads = false) : defer_reads_(defer_reads) {}

  /// Adds step `step`'s detached scalar loss (no host read when deferring).
  void add(const at::Tensor& loss, int64_t step);
  /// The sum of every loss added so far (reads the device).
  double total() const;
  /// Losses added so far.
  int64_t count() const { return count_; }
  /// The first non-finite loss added, if any. `read_device`: false answers from what the
  /// host already knows (everything, unless deferring).
  std::optional<BadLoss> first_bad(bool read_device) const;

 private:
  bool defer_reads_;
  int64_t count_ = 0;
  // Host: the sum and the first bad step, exact.
  double host_total_ = 0;
  std::optional<BadLoss> host_bad_;
  // Device: the sum (float64), and the first bad step (-1: none) and its loss.
  at::Tensor device_total_;
  at::Tensor device_bad_step_;
  at::Tensor device_bad_loss_;
};

/// Where a stretch of steps began in a tally: its losses are the ones added since.
struct LossMark {
  double total = 0;
  int64_t count = 0;

  static LossMark at(const LossTally& tally) { return {tally.total(), tally.count()}; }
  /// A mark on a new tally whose stretch already holds `count` losses summing to `total`, added
  /// before the tally began (by the run a resumed one continues): the stretch goes on across it.
  static LossMark carrying(double total, int64_t count) { return {-total, -count}; }
  /// The sum and the number of the losses since this mark.
  double total_since(const LossTally& tally) const { return tally.total() - total; }
  int64_t count_since(const LossTally& tally) const { return tally.count() - count; }
  /// The mean loss of the steps added since this mark (0 when none).
  double mean_since(const LossTally& tally) const;
};

}  // namespace bx
