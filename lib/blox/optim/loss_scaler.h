// LossScaler: dynamic loss scaling for fp16 training, as torch.cuda.amp.GradScaler does it.
// fp16 gradients below ~6e-8 flush to zero, so the loss is multiplied by a large scale before
// the backward pass and the gradients divided by it after. When a step's gradients overflow
// (inf or NaN), the update is skipped and the scale halved; after `growth_interval` clean
// steps in a row it doubles. Its state lives in the optimizer's Params (two host scalars), so
// checkpoints save it and --resume continues exactly.
#pragma once

#include <cstdint>
#include <string>

#include "blox/core/params.h"

namespace bx {

class LossScaler {
 public:
  /// GradScaler's defaults: 2^16, x2 after 2000 clean steps, x0.5 on overflow.
  explicit LossScaler(double initial_scale = 65536.0, int64_t growth_interval = 2000);

  /// "optim/loss_scale/scale" (float64) and "optim/loss_scale/clean_steps" (int64), on the host.
  Params init() const;
  /// Whether `path` is part of the scaler's state.
  static bool holds(const std::string& path);
  /// The scale in `state` (which holds the scaler's entries among others).
  static double scale(const Params& state);

  /// `grads` divided by the scale.
  static Params unscale(const Params& grads, const Params& state);
  /// Whether every gradient is finite (reads one flag from the device: the skip decision).
  static bool all_finite(const Params& grads);
  /// `state` after a step whose gradients were finite or not: a new scale and count.
  Params update(const Params& state, bool finite) const;

 private:
  double initial_scale_;
  int64_t growth_interval_;
};

}  // namespace bx
