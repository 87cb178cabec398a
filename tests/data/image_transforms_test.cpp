// Image transforms against torchvision's on the same pixels, random_resized_crop's draws, and the
// decode-only-the-box pipeline against a full decode and resize.
#include <cmath>

#include <ATen/ops/abs.h>
#include <ATen/ops/empty.h>

#include "blox/core/errors.h"
#include "blox/core/rng.h"
#include "blox/data/image_files.h"
#include "blox/data/image_pixels.h"
#include "blox/data/image_transforms.h"
#include "blox/data/transforms.h"
#include "support/helpers.h"
#include "support/image_reference.h"

using namespace bx;
using namespace bx::test;

namespace {

// A file decoded whole as float (1, C, H, W) in [0, 1].
at::Tensor float_image(const TempDir& dir, const std::string& name) {
  const std::string path = (dir.path / name).string();
  return decode_image(read_text(path), path).pixels.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat).div(255.0);
}

// A file's decoded pixels, uint8 (H, W, C).
at::Tensor pixels_of(const TempDir& dir, const std::string& name) {
  const std::string path = (dir.path / name).string();
  return decode_image(read_text(path), path).pixels;
}

// uint8 HWC (the reference's pixels) as float (1, C, H, W) in [0, 1].
at::Tensor as_float(const at::Tensor& hwc) { return hwc.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat).div(255.0); }

double max_levels(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() * 255.0;
}

double mean_levels(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().mean().item<double>() * 255.0; }

// A geometric transform whose plan is fixed, whatever the image.
struct FixedPlan final : ImageGeometry {
  explicit FixedPlan(GeometryPlan p) : fixed(p) {}
  GeometryPlan plan(int64_t, int64_t, at::Generator&) const override { return fixed; }
  bool random() const override { return false; }
  GeometryPlan fixed;
};

// One example through `transforms` as the loader reads it, with a fixed generator.
at::Tensor through(const TempDir& dir, const std::string& name, std::vector<std::shared_ptr<const Transform>> transforms,
                   uint64_t key = 7) {
  const std::string path = (dir.path / name).string();
  at::Generator generator = make_generator(Key{key});
  return read_image_example(read_text(path), path, 3, transforms, generator);
}

}  // namespace

TEST_CASE("image transforms: resize, resized crop and center crop equal torchvision's on PIL images (floats: within 1/255)") {
  if (!image_reference_available()) return;
  const TempDir& dir = image_fixtures();
  const std::string big = (dir.path / "big.jpg").string();
  const at::Tensor image = float_image(dir, "big.jpg").squeeze(0);
  at::Generator unused = make_generator(Key{0});
  SUBCASE("resize: shrinking (antialiased) and enlarging") {
    for (const auto& size : {std::pair<int64_t, int64_t>{100, 133}, {224, 224}, {401, 530}}) {
      const int64_t h = size.first, w = size.second;
      CAPTURE(h);
      const GeometryPlan plan = Resize(0, h, w).plan(375, 500, unused);
      const at::Tensor theirs = image_reference(dir, fmt::format("resize '{}' {} {}", big, h, w), at::kByte);
      // The pixels as PIL computes them (its fixed-point filter): equal.
      const at::Tensor pixels = realize_plan_pixels(pixels_of(dir, "big.jpg"), plan, 0, 0, 1);
      REQUIRE(pixels.sizes() == theirs.sizes());
      CHECK(at::equal(pixels, theirs));
      // Float images (batches in memory): libtorch's antialiased bilinear, within 1/255.
      const at::Tensor ours = realize_plan(image * 255.0, plan, 0, 0, 1).round() / 255.0;
      CHECK(max_levels(ours.unsqueeze(0), as_float(theirs)) <= 1.0 + 1e-3);
    }
    // The shorter side: 375 -> 256, the longer int(256 * 500 / 375) = 341.
    const GeometryPlan p = Resize(256, 0, 0).plan(375, 500, unused);
    CHECK(p.height == 256);
    CHECK(p.width == 341);
  }
  SUBCASE("resized crop") {
    const GeometryPlan plan{{40, 30, 300, 200}, 224, 224};
    const at::Tensor theirs = image_reference(dir, fmt::format("resized_crop '{}' 30 40 200 300 224 224", big), at::kByte);
    CHECK(at::equal(realize_plan_pixels(pixels_of(dir, "big.jpg"), plan, 0, 0, 1), theirs));
    const at::Tensor ours = realize_plan(image * 255.0, plan, 0, 0, 1).round() / 255.0;
    CHECK(max_levels(ours.unsqueeze(0), as_float(theirs)) <= 1.0 + 1e-3);
  }
  SUBCASE("center crop, offsets rounded half to even; padded with zeros where larger") {
    const std::string small = (dir.path / "baseline.jpg").string();  // 161 x 121
    const at::Tensor pixels = float_image(dir, "baseline.jpg").squeeze(0);
    for (const auto& size : {std::pair<int64_t, int64_t>{100, 98}, {98, 100}, {130, 170}, {121, 200}}) {
      const int64_t h = size.first, w = size.second;
      CAPTURE(h);
      CAPTURE(w);
      const at::Tensor ours = realize_plan(pixels, CenterCrop(h, w).plan(121, 161, unused), 0, 0, 1);
      const at::Tensor theirs = as_float(image_reference(dir, fmt::format("center_crop '{}' {} {}", small, h, w), at::kByte));
      REQUIRE(ours.unsqueeze(0).sizes() == theirs.sizes());
      CHECK(max_levels(ours.unsqueeze(0), theirs) == 0.0);
    }
  }
}

TEST_CASE("8-bit pixels: PIL's resize whatever the shapes, the mirror, and the batch's normalized planes") {
  if (!image_reference_available()) return;
  const TempDir& dir = image_fixtures();
  const std::string big = (dir.path / "big.jpg").string(), gray = (dir.path / "gray.jpg").string();
  const at::Tensor pixels = pixels_of(dir, "big.jpg");  // 375 x 500
  SUBCASE("one axis shrinks and the other grows; one row or column; one pixel; a strided box") {
    for (const auto& size : {std::pair<int64_t, int64_t>{50, 700}, {600, 90}, {1, 333}, {217, 1}, {1, 1}, {375, 224}}) {
      const int64_t h = size.first, w = size.second;
      CAPTURE(h);
      CAPTURE(w);
      const at::Tensor theirs = image_reference(dir, fmt::format("resize '{}' {} {}", big, h, w), at::kByte);
      CHECK(at::equal(resize_pixels(pixels, h, w), theirs));
    }
    const at::Tensor box = pixels.narrow(0, 30, 200).narrow(1, 40, 300);  // rows 500 x 3 bytes apart
    REQUIRE(!box.is_contiguous());
    const at::Tensor theirs = image_reference(dir, fmt::format("resized_crop '{}' 30 40 200 300 224 224", big), at::kByte);
    CHECK(at::equal(resize_pixels(box, 224, 224), theirs));
  }
  SUBCASE("one channel") {
    const at::Tensor grey = decode_image(read_text(gray), gray, {1, std::nullopt, 0, 0}).pixels;
    for (const auto& size : {std::pair<int64_t, int64_t>{60, 80}, {300, 97}}) {
      const int64_t h = size.first, w = size.second;
      CAPTURE(h);
      const at::Tensor theirs = image_reference(dir, fmt::format("resize_gray '{}' {} {}", gray, h, w), at::kByte);
      CHECK(at::equal(resize_pixels(grey, h, w), theirs));
    }
  }
  SUBCASE("the mirror, in place, for 1 and 3 channels and odd widths") {
    for (int64_t c : {1, 3}) {
      at::Tensor odd = pixels.narrow(1, 0, 161).narrow(2, 0, c).contiguous();
      const at::Tensor expected = odd.flip({1});
      mirror_pixels(odd);
      CHECK(at::equal(odd, expected));
    }
  }
  SUBCASE("normalized planes equal torchvision's to_tensor then normalize") {
    const PixelScale scale(3, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225});
    at::Tensor planes = at::empty({3, 375, 500}, at::kFloat);
    scale.to_planes(pixels, planes.data_ptr<float>());
    const at::Tensor theirs = image_reference(dir, fmt::format("normalize '{}'", big), at::kFloat);
    CHECK((planes - theirs).abs().max().item<double>() < 1e-6);
    CHECK_THROWS_AS(PixelScale(3, {0.5, 0.5}, {0.2, 0.2}), ShapeError);
  }
}

TEST_CASE("image transforms: color jitter's adjustments and normalize equal torchvision's tensors to 1e-6") {
  if (!image_reference_available()) return;
  const TempDir& dir = image_fixtures();
  const std::string file = (dir.path / "baseline.jpg").string();
  const at::Tensor image = float_image(dir, "baseline.jpg");
  for (const auto& factors : {std::tuple<double, double, double>{1.3, 0.6, 1.7}, {0.5, 1.4, 0.2}}) {
    const double b = std::get<0>(factors), c = std::get<1>(factors), s = std::get<2>(factors);
    CAPTURE(b);
    const at::Tensor ours = adjust_saturation(adjust_contrast(adjust_brightness(image, b), c), s);
    const at::Tensor theirs = image_reference(dir, fmt::format("jitter '{}' {} {} {}", file, b, c, s), at::kFloat);
    REQUIRE(ours.squeeze(0).sizes() == theirs.sizes());
    CHECK((ours.squeeze(0) - theirs).abs().max().item<double>() < 1e-6);
  }
  Normalize imagenet({0.485, 0.456, 0.406}, {0.229, 0.224, 0.225});
  at::Generator unused = make_generator(Key{0});
  const at::Tensor theirs = image_reference(dir, fmt::format("normalize '{}'", file), at::kFloat);
  CHECK((imagenet.apply(image, unused).squeeze(0) - theirs).abs().max().item<double>() < 1e-6);
}

TEST_CASE("image transforms: random_resized_crop draws boxes within its scale and ratio, from the generator alone") {
  const RandomResizedCrop crop(224, {0.08, 1.0}, {3.0 / 4.0, 4.0 / 3.0});
  for (uint64_t k = 0; k < 200; ++k) {
    at::Generator generator = make_generator(Key{k});
    const GeometryPlan p = crop.plan(375, 500, generator);
    CAPTURE(k);
    CHECK(p.height == 224);
    CHECK(p.width == 224);
    CHECK(p.box.x >= 0);
    CHECK(p.box.y >= 0);
    CHECK(p.box.x + p.box.width <= 500);
    CHECK(p.box.y + p.box.height <= 375);
    const double share = static_cast<double>(p.box.width * p.box.height) / (375.0 * 500.0);
    CHECK(share >= 0.07);
    CHECK(share <= 1.0 + 1e-3);
    const double ratio = static_cast<double>(p.box.width) / static_cast<double>(p.box.height);
    CHECK(ratio >= 0.74);
    CHECK(ratio <= 1.35);
    at::Generator again = make_generator(Key{k});
    CHECK(crop.plan(375, 500, again).box == p.box);
  }
  // No box of ratio 10 fits a square: the centre crop, its ratio clamped (torchvision's fallback).
  at::Generator generator = make_generator(Key{1});
  const GeometryPlan wide = RandomResizedCrop(32, {0.9, 1.0}, {10.0, 10.0}).plan(100, 100, generator);
  CHECK(wide.box == PixelBox{0, 45, 100, 10});
  // At evaluation: resize(round(224 / 0.875) = 256) then center_crop(224).
  const auto stand_in = crop.evaluation_stand_in();
  REQUIRE(stand_in.size() == 2);
  at::Generator unused = make_generator(Key{0});
  CHECK(dynamic_cast<const Resize&>(*stand_in[0]).plan(375, 500, unused).height == 256);
  CHECK(dynamic_cast<const CenterCrop&>(*stand_in[1]).plan(256, 341, unused).box == PixelBox{58, 16, 224, 224});
}

TEST_CASE("image pipeline: decoding only the box at a reduced scale stays close to a full decode and resize") {
  if (!image_reference_available()) return;
  const TempDir& dir = image_fixtures();
  const std::string big = (dir.path / "big.jpg").string();
  // resize to 100 x 133 decodes big.jpg (500 x 375) at 1/2; PIL resizes the full decode.
  const at::Tensor ours = through(dir, "big.jpg", {std::make_shared<Resize>(0, 100, 133)});
  const at::Tensor full = as_float(image_reference(dir, fmt::format("resize '{}' 100 133", big), at::kByte));
  REQUIRE(ours.sizes() == full.sizes());
  const double mean = mean_levels(ours, full), worst = max_levels(ours, full);
  CAPTURE(mean);
  CAPTURE(worst);
  CHECK(mean < 1.5);  // README: the documented tolerance of DCT-scaled decoding (measured 1.0 and 49)
  CHECK(worst < 64);
  // A fixed crop: the box decoded alone (its rows and iMCU columns, at 1/2) against PIL's crop of the whole.
  const auto fixed_crop = std::make_shared<FixedPlan>(GeometryPlan{{40, 30, 300, 200}, 112, 112});
  const at::Tensor cropped = through(dir, "big.jpg", {fixed_crop});
  const at::Tensor reference =
      as_float(image_reference(dir, fmt::format("resized_crop '{}' 30 40 200 300 112 112", big), at::kByte));
  const double crop_mean = mean_levels(cropped, reference), crop_worst = max_levels(cropped, reference);
  CAPTURE(crop_mean);
  CAPTURE(crop_worst);
  CHECK(crop_mean < 1.5);
  // At full scale (a 100 x 100 output needs it): the region's pixels, resized as PIL, within 3/255.
  const at::Tensor small =
      through(dir, "big.jpg", {std::make_shared<FixedPlan>(GeometryPlan{{40, 30, 150, 120}, 100, 120})});
  const at::Tensor small_reference =
      as_float(image_reference(dir, fmt::format("resized_crop '{}' 30 40 120 150 100 120", big), at::kByte));
  CHECK(max_levels(small, small_reference) <= 3.0 + 1e-3);
  // The rest of the transforms run after, with the same generator: a flip mirrors the pixels.
  const at::Tensor flipped =
      through(dir, "big.jpg", {fixed_crop, std::make_shared<RandomHorizontalFlip>(1.0)});
  CHECK(at::equal(flipped, cropped.flip({3})));
}
