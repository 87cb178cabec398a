#include "blox/train/loss_tally.h"

#include <cmath>

#include <ATen/ops/full.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>

namespace bx {

void LossTally::add(const at::Tensor& loss, int64_t step) {
  ++count_;
  if (!defer_reads_) {
    const double value = loss.item<double>();
    host_total_ += value;
    if (!host_bad_ && !std::isfinite(value)) host_bad_ = BadLoss{step, value};
    return;
  }
  const at::Tensor value = loss.detach().to(at::kDouble).reshape({});
  if (!device_total_.defined()) {
    device_total_ = at::zeros({}, value.options());
    device_bad_step_ = at::full({}, -1, value.options().dtype(at::kLong));
    device_bad_loss_ = at::zeros({}, value.options());
  }
  device_total_.add_(value);
  // Kept at the first bad step: only a finite-so-far tally takes a new one.
  const at::Tensor take = value.isfinite().logical_not().logical_and(device_bad_step_.lt(0));
  device_bad_step_ = at::where(take, at::Scalar(step), device_bad_step_);
  device_bad_loss_ = at::where(take, value, device_bad_loss_);
}

double LossTally::total() const {
  return host_total_ + (device_total_.defined() ? device_total_.item<double>() : 0.0);
}

std::optional<BadLoss> LossTally::first_bad(bool read_device) const {
  if (host_bad_ || !read_device || !device_total_.defined()) return host_bad_;
  const int64_t step = device_bad_step_.item<int64_t>();
  if (step < 0) return std::nullopt;
  return BadLoss{step, device_bad_loss_.item<double>()};
}

double LossMark::mean_since(const LossTally& tally) const {
  const int64_t n = count_since(tally);
  return n > 0 ? total_since(tally) / static_cast<double>(n) : 0.0;
}

}  // namespace bx
