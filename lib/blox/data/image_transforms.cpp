// torchvision's image transforms: the same draws (in blox's generator), boxes and blends; the
// resize is libtorch's antialiased bilinear, which torchvision and PIL share.
#include "blox/data/image_transforms.h"

#include <cmath>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/_upsample_bilinear2d_aa.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/shape.h"
#include "blox/data/image_pixels.h"

namespace bx {
namespace {

void require_images(const at::Tensor& batch, const char* what) {
  if (batch.dim() != 4) {
    throw ShapeError(fmt::format("{}: expected images (B, C, H, W), got shape {}", what, format_shape(batch.sizes())));
  }
}

// Python's round(): half to even.
int64_t round_even(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

// torchvision's rgb_to_grayscale on float images (B, 3, H, W) -> (B, 1, H, W).
at::Tensor greyscale(const at::Tensor& images) {
  if (images.size(1) == 1) return images;
  return (images.select(1, 0) * 0.2989 + images.select(1, 1) * 0.587 + images.select(1, 2) * 0.114).unsqueeze(1);
}

at::Tensor blend(const at::Tensor& images, const at::Tensor& other, double factor) {
  return (images * factor + other * (1.0 - factor)).clamp(0.0, 1.0);
}

}  // namespace

double draw_uniform(at::Generator& generator, double low, double high) {
  uint64_t bits;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    bits = at::check_generator<at::CPUGeneratorImpl>(generator)->random64();
  }
  const double unit = static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);  // [0, 1), 53 bits
  return low + (high - low) * unit;
}

int64_t draw_integer(at::Generator& generator, int64_t low, int64_t high) {
  const double span = static_cast<double>(high - low + 1);
  return std::min(high, low + static_cast<int64_t>(std::floor(draw_uniform(generator, 0.0, span))));
}

at::Tensor resize_bilinear(const at::Tensor& images, int64_t height, int64_t width) {
  require_images(images, "resize");
  if (images.size(2) == height && images.size(3) == width) return images;
  return at::_upsample_bilinear2d_aa(images.contiguous(), {height, width}, /*align_corners=*/false, c10::nullopt,
                                     c10::nullopt);
}

namespace {

// The plan's box from `image` (rows on axis `row`, columns on row + 1), as realize_plan says.
at::Tensor take_box(const at::Tensor& image, int64_t row, const GeometryPlan& plan, int64_t offset_y, int64_t offset_x,
                    int64_t scale) {
  // The box at this scale (rounded as the decoder rounds), then its part inside `image`.
  const auto at_scale = [&](int64_t v) { return static_cast<int64_t>(std::floor((2.0 * v + scale) / (2.0 * scale))); };
  const int64_t y0 = at_scale(plan.box.y) - offset_y, x0 = at_scale(plan.box.x) - offset_x;
  const int64_t h = std::max<int64_t>(1, at_scale(plan.box.y + plan.box.height) - at_scale(plan.box.y));
  const int64_t w = std::max<int64_t>(1, at_scale(plan.box.x + plan.box.width) - at_scale(plan.box.x));
  const int64_t top = std::max<int64_t>(0, y0), left = std::max<int64_t>(0, x0);
  const int64_t bottom = std::min(image.size(row), y0 + h), right = std::min(image.size(row + 1), x0 + w);
  if (top == y0 && left == x0 && bottom == y0 + h && right == x0 + w) {
    return image.narrow(row, top, h).narrow(row + 1, left, w);
  }
  // Reaching outside: zeros there, as torchvision pads a crop larger than the image.
  std::vector<int64_t> sizes = image.sizes().vec();
  sizes[static_cast<size_t>(row)] = h;
  sizes[static_cast<size_t>(row + 1)] = w;
  at::Tensor box = at::zeros(sizes, image.options());
  if (bottom > top && right > left) {
    box.narrow(row, top - y0, bottom - top)
        .narrow(row + 1, left - x0, right - left)
        .copy_(image.narrow(row, top, bottom - top).narrow(row + 1, left, right - left));
  }
  return box;
}

}  // namespace

at::Tensor realize_plan(const at::Tensor& image, const GeometryPlan& plan, int64_t offset_y, int64_t offset_x,
                        int64_t scale) {
  const at::Tensor box = take_box(image, 1, plan, offset_y, offset_x, scale);
  return resize_bilinear(box.unsqueeze(0), plan.height, plan.width).squeeze(0);
}

at::Tensor realize_plan_pixels(const at::Tensor& pixels, const GeometryPlan& plan, int64_t offset_y, int64_t offset_x,
                               int64_t scale) {
  return resize_pixels(take_box(pixels, 0, plan, offset_y, offset_x, scale), plan.height, plan.width);
}

at::Tensor ImageGeometry::apply(const at::Tensor& batch, at::Generator& generator) const {
  require_images(batch, "image transform");
  std::vector<at::Tensor> out;
  out.reserve(static_cast<size_t>(batch.size(0)));
  for (int64_t i = 0; i < batch.size(0); ++i) {
    out.push_back(realize_plan(batch[i], plan(batch.size(2), batch.size(3), generator), 0, 0, 1));
  }
  return at::stack(out);
}

Resize::Resize(int64_t size, int64_t height, int64_t width) : size_(size), height_(height), width_(width) {
  if (!(size > 0 ? height == 0 && width == 0 : height > 0 && width > 0)) {
    throw ConfigError("resize: give size (the shorter side) or both height and width, each > 0");
  }
}

GeometryPlan Resize::plan(int64_t height, int64_t width, at::Generator&) const {
  GeometryPlan p{{0, 0, width, height}, height_, width_};
  if (size_ > 0) {
    const bool tall = height >= width;
    const int64_t longer = static_cast<int64_t>(static_cast<double>(size_) * (tall ? height : width) /
                                                static_cast<double>(tall ? width : height));
    p.height = tall ? longer : size_;
    p.width = tall ? size_ : longer;
  }
  return p;
}

CenterCrop::CenterCrop(int64_t height, int64_t width) : height_(height), width_(width) {
  if (height <= 0 || width <= 0) throw ConfigError("center_crop: size must be > 0");
}

GeometryPlan CenterCrop::plan(int64_t height, int64_t width, at::Generator&) const {
  // Per axis: a crop larger than the image is padded (the extra pixel, if odd, after it).
  const auto start = [](int64_t image, int64_t crop) {
    return crop > image ? -((crop - image) / 2) : round_even(static_cast<double>(image - crop) / 2.0);
  };
  return {{start(width, width_), start(height, height_), width_, height_}, height_, width_};
}

RandomResizedCrop::RandomResizedCrop(int64_t size, std::pair<double, double> scale, std::pair<double, double> ratio)
    : size_(size), scale_(scale), ratio_(ratio) {
  if (size <= 0) throw ConfigError(fmt::format("random_resized_crop: size must be > 0, got {}", size));
  if (!(scale.first > 0 && scale.first <= scale.second && scale.second <= 1)) {
    throw ConfigError(fmt::format("random_resized_crop: scale must be [low, high] with 0 < low <= high <= 1, got [{}, {}]",
                                  scale.first, scale.second));
  }
  if (!(ratio.first > 0 && ratio.first <= ratio.second)) {
    throw ConfigError(fmt::format("random_resized_crop: ratio must be [low, high] with 0 < low <= high, got [{}, {}]",
                                  ratio.first, ratio.second));
  }
}

GeometryPlan RandomResizedCrop::plan(int64_t height, int64_t width, at::Generator& generator) const {
  const double area = static_cast<double>(height) * static_cast<double>(width);
  const double log_low = std::log(ratio_.first), log_high = std::log(ratio_.second);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * draw_uniform(generator, scale_.first, scale_.second);
    const double aspect = std::exp(draw_uniform(generator, log_low, log_high));
    const int64_t w = round_even(std::sqrt(target * aspect));
    const int64_t h = round_even(std::sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const int64_t y = draw_integer(generator, 0, height - h);
      const int64_t x = draw_integer(generator, 0, width - w);
      return {{x, y, w, h}, size_, size_};
    }
  }
  // The centre crop, its ratio clamped to [low, high].
  const double in_ratio = static_cast<double>(width) / static_cast<double>(height);
  int64_t w = width, h = height;
  if (in_ratio < ratio_.first) {
    h = round_even(static_cast<double>(w) / ratio_.first);
  } else if (in_ratio > ratio_.second) {
    w = round_even(static_cast<double>(h) * ratio_.second);
  }
  return {{(width - w) / 2, (height - h) / 2, w, h}, size_, size_};
}

std::vector<std::shared_ptr<const Transform>> RandomResizedCrop::evaluation_stand_in() const {
  return {std::make_shared<Resize>(round_even(static_cast<double>(size_) / 0.875), 0, 0),
          std::make_shared<CenterCrop>(size_, size_)};
}

ColorJitter::ColorJitter(double brightness, double contrast, double saturation)
    : brightness_(brightness), contrast_(contrast), saturation_(saturation) {
  if (brightness < 0 || contrast < 0 || saturation < 0) {
    throw ConfigError("color_jitter: brightness, contrast and saturation must be >= 0");
  }
}

at::Tensor adjust_brightness(const at::Tensor& images, double factor) {
  return (images * factor).clamp(0.0, 1.0);
}

at::Tensor adjust_contrast(const at::Tensor& images, double factor) {
  require_images(images, "color_jitter");
  return blend(images, greyscale(images).mean({1, 2, 3}, /*keepdim=*/true), factor);
}

at::Tensor adjust_saturation(const at::Tensor& images, double factor) {
  require_images(images, "color_jitter");
  if (images.size(1) == 1) return images;  // torchvision leaves a one-channel image as it is
  return blend(images, greyscale(images), factor);
}

at::Tensor ColorJitter::apply(const at::Tensor& batch, at::Generator& generator) const {
  require_images(batch, "color_jitter");
  if (batch.size(1) != 1 && batch.size(1) != 3) {  // torchvision's rule too
    throw ShapeError(fmt::format("color_jitter: images of 1 or 3 channels, got {} (data.channels)", batch.size(1)));
  }
  std::vector<at::Tensor> out;
  for (int64_t i = 0; i < batch.size(0); ++i) {
    // torchvision: a random order of the adjustments, then each one's factor.
    int order[3] = {0, 1, 2};
    for (int k = 2; k > 0; --k) std::swap(order[k], order[draw_integer(generator, 0, k)]);
    at::Tensor image = batch.narrow(0, i, 1);
    for (int which : order) {
      const double amount = which == 0 ? brightness_ : which == 1 ? contrast_ : saturation_;
      if (amount <= 0) continue;
      const double factor = draw_uniform(generator, std::max(0.0, 1.0 - amount), 1.0 + amount);
      image = which == 0 ? adjust_brightness(image, factor)
                         : which == 1 ? adjust_contrast(image, factor) : adjust_saturation(image, factor);
    }
    out.push_back(image);
  }
  return at::cat(out);
}

}  // namespace bx
