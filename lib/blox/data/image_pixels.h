// Kernels on decoded 8-bit pixels (H, W, C), the loader's hot path: PIL's fixed-point bilinear
// resize, an in-place mirror, and the normalized float planes of a batch slot.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace bx {

/// PIL's resize of 8-bit images with its BILINEAR filter (antialiased: the support widens by
/// the scale when shrinking), in its fixed-point arithmetic, so equal to PIL's pixels: uint8
/// (H, W, C) to (height, width, C). Any row stride; pixels and channels packed.
at::Tensor resize_pixels(const at::Tensor& pixels, int64_t height, int64_t width);

/// Mirrors contiguous pixels (H, W, C) left-right, in place.
void mirror_pixels(at::Tensor& pixels);

/// v / 255 per channel, then (v - mean) / std where given, in float as torchvision's ToTensor and
/// Normalize compute it: a table of the 256 values per channel.
class PixelScale {
 public:
  /// `mean` and `std`: one value, one per channel, or empty (no normalize).
  PixelScale(int64_t channels, const std::vector<double>& mean, const std::vector<double>& std);
  /// Contiguous pixels (H, W, C) to planes (C, H, W) at `out`.
  void to_planes(const at::Tensor& pixels, float* out) const;

 private:
  int64_t channels_;
  std::vector<float> table_;  // channels x 256
};

}  // namespace bx
