// Image transforms with torchvision's semantics and names: resize, center_crop,
// random_resized_crop (geometry: a region of the image at an output size, which lets a decoder
// read only that region, at a reduced scale) and color_jitter.
#pragma once

#include <cstdint>
#include <utility>

#include "blox/data/image_decode.h"
#include "blox/data/transforms.h"

namespace bx {

/// A uniform draw in [low, high) from `generator` (one 53-bit draw).
double draw_uniform(at::Generator& generator, double low, double high);
/// A uniform integer in [low, high].
int64_t draw_integer(at::Generator& generator, int64_t low, int64_t high);

/// Bilinear resize with antialiasing (PIL's and torchvision's, support widened by the scale when
/// shrinking) of float images (B, C, H, W) to (height, width).
at::Tensor resize_bilinear(const at::Tensor& images, int64_t height, int64_t width);

/// Where a geometric transform takes its pixels from: `box` in the input's coordinates (it may
/// reach outside the image: zeros there, as torchvision pads) and the output size.
struct GeometryPlan {
  PixelBox box;
  int64_t height = 0, width = 0;
};

/// A transform that takes a box of each image and resizes it: the box is drawn from the image's
/// size alone, so a decoder can produce just that box (image_stream.h).
class ImageGeometry : public Transform {
 public:
  /// The box and output size for an image of `height` x `width` (random draws from `generator`).
  virtual GeometryPlan plan(int64_t height, int64_t width, at::Generator& generator) const = 0;
  /// Each image (B, C, H, W): its plan's box, resized to the plan's size.
  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override;
};

/// The pixels of `plan.box` from `image` (C, H, W) whose top-left pixel is the input's
/// (offset_y, offset_x) seen at 1/scale, zero outside it, resized to the plan's size.
at::Tensor realize_plan(const at::Tensor& image, const GeometryPlan& plan, int64_t offset_y, int64_t offset_x,
                        int64_t scale);
/// The same for decoded pixels, uint8 (H, W, C), resized as PIL resizes (resize_pixels, image_pixels.h).
at::Tensor realize_plan_pixels(const at::Tensor& pixels, const GeometryPlan& plan, int64_t offset_y, int64_t offset_x,
                               int64_t scale);

/// torchvision's Resize: `size` for the shorter side (the longer int(size * long / short)), or
/// exactly height x width.
class Resize final : public ImageGeometry {
 public:
  Resize(int64_t size, int64_t height, int64_t width);  ///< size > 0, or height and width > 0
  GeometryPlan plan(int64_t height, int64_t width, at::Generator& generator) const override;
  bool random() const override { return false; }

 private:
  int64_t size_, height_, width_;
};

/// torchvision's CenterCrop: height x width from the centre (offsets rounded half to even),
/// zeros where the crop is larger than the image.
class CenterCrop final : public ImageGeometry {
 public:
  CenterCrop(int64_t height, int64_t width);
  GeometryPlan plan(int64_t height, int64_t width, at::Generator& generator) const override;
  bool random() const override { return false; }

 private:
  int64_t height_, width_;
};

/// torchvision's RandomResizedCrop: up to 10 tries of an area fraction in `scale` and a log-
/// uniform aspect ratio in `ratio` that fit, else the centre crop of the clamped ratio; the box
/// resized to size x size. At evaluation: resize(round(size / 0.875)) + center_crop(size), as
/// torchvision's reference scripts evaluate (256 then 224).
class RandomResizedCrop final : public ImageGeometry {
 public:
  RandomResizedCrop(int64_t size, std::pair<double, double> scale, std::pair<double, double> ratio);
  GeometryPlan plan(int64_t height, int64_t width, at::Generator& generator) const override;
  bool random() const override { return true; }
  std::vector<std::shared_ptr<const Transform>> evaluation_stand_in() const override;

 private:
  int64_t size_;
  std::pair<double, double> scale_, ratio_;
};

/// torchvision's ColorJitter on float tensors, without hue: factors drawn uniformly from
/// [max(0, 1 - x), 1 + x] for brightness, contrast and saturation, applied in a random order;
/// each blends with black, the grey mean, the greyscale image, clamped to [0, 1].
class ColorJitter final : public Transform {
 public:
  ColorJitter(double brightness, double contrast, double saturation);
  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override;
  bool random() const override { return true; }

 private:
  double brightness_, contrast_, saturation_;
};

/// The three adjustments of ColorJitter with given factors, on float images (B, C, H, W), C 1 or 3.
at::Tensor adjust_brightness(const at::Tensor& images, double factor);
at::Tensor adjust_contrast(const at::Tensor& images, double factor);
at::Tensor adjust_saturation(const at::Tensor& images, double factor);

}  // namespace bx
