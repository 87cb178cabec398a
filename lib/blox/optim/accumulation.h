// Gradient accumulation: the mean gradient of k micro-batches, applied as one update.
#pragma once

#include "blox/core/params.h"

namespace bx {

/// Sums gradients over micro-batches; `mean()` gives what one k-times-larger batch with a
/// mean loss would have produced. The sum is its own buffer, added to in place.
class GradientAccumulator {
 public:
  /// Adds `grads` (same paths every time) to the sum.
  void add(const Params& grads);
  int64_t count() const { return count_; }
  /// Sum / count. Throws ParamsError when nothing was added.
  Params mean() const;
  /// Forgets the sum (after an update).
  void reset();

 private:
  Params sum_;
  int64_t count_ = 0;
};

}  // namespace bx
