// Transforms work on whole batches: one draw per example, a few tensor ops per batch.
#include "blox/data/transforms.h"

#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/where.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/shape.h"

namespace bx {
namespace {

void require_images(const at::Tensor& batch, const char* what) {
  if (batch.dim() != 4) {
    throw ShapeError(fmt::format("{}: expected images (B, C, H, W), got shape {}", what, format_shape(batch.sizes())));
  }
}

}  // namespace

std::vector<std::shared_ptr<const Transform>> evaluation_transforms(
    const std::vector<std::shared_ptr<const Transform>>& transforms) {
  std::vector<std::shared_ptr<const Transform>> kept;
  for (const auto& t : transforms) {
    if (!t->random()) {
      kept.push_back(t);
    } else {
      for (auto& stand_in : t->evaluation_stand_in()) kept.push_back(std::move(stand_in));
    }
  }
  return kept;
}

Normalize::Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
  if (mean_.empty() || mean_.size() != std_.size()) {
    throw ConfigError(fmt::format("normalize: mean and std need the same non-zero length, got {} and {}", mean_.size(),
                                  std_.size()));
  }
  for (double s : std_) {
    if (!(s > 0)) throw ConfigError(fmt::format("normalize: std values must be > 0, got {}", s));
  }
}

std::pair<std::vector<double>, std::vector<double>> fit_standardize(const at::Tensor& inputs) {
  if (inputs.dim() < 2 || inputs.size(0) == 0) {
    throw ShapeError(fmt::format("standardize: expected examples (N, C, ...), got shape {}", format_shape(inputs.sizes())));
  }
  // Per channel over every other axis, in double: sums of many floats lose digits.
  const at::Tensor channels = inputs.to(at::kDouble).transpose(0, 1).reshape({inputs.size(1), -1});
  const at::Tensor mean = channels.mean(1);
  const at::Tensor std = (channels - mean.unsqueeze(1)).pow(2).mean(1).sqrt();
  std::pair<std::vector<double>, std::vector<double>> out;
  for (int64_t c = 0; c < inputs.size(1); ++c) {
    out.first.push_back(mean[c].item<double>());
    const double s = std[c].item<double>();
    out.second.push_back(s > 1e-12 ? s : 1.0);
  }
  return out;
}

at::Tensor Normalize::apply(const at::Tensor& batch, at::Generator&) const {
  if (mean_.size() == 1) return (batch - mean_[0]) / std_[0];
  if (batch.dim() < 2 || batch.size(1) != static_cast<int64_t>(mean_.size())) {
    throw ShapeError(fmt::format("normalize: {} channel values for a batch of shape {}", mean_.size(),
                                 format_shape(batch.sizes())));
  }
  Shape per_channel(static_cast<size_t>(batch.dim()), 1);
  per_channel[1] = static_cast<int64_t>(mean_.size());
  const at::Tensor mean = at::tensor(mean_, batch.options()).view(per_channel);
  const at::Tensor std = at::tensor(std_, batch.options()).view(per_channel);
  return (batch - mean) / std;
}

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  if (!(p >= 0 && p <= 1)) throw ConfigError(fmt::format("random_horizontal_flip: p must be in [0, 1], got {}", p));
}

at::Tensor RandomHorizontalFlip::apply(const at::Tensor& batch, at::Generator& generator) const {
  require_images(batch, "random_horizontal_flip");
  const at::Tensor flip = at::empty({batch.size(0), 1, 1, 1}, batch.options()).bernoulli_(p_, generator).to(at::kBool);
  return at::where(flip, batch.flip({3}), batch);
}

RandomCrop::RandomCrop(int64_t padding) : padding_(padding) {
  if (padding < 0) throw ConfigError(fmt::format("random_crop: padding must be >= 0, got {}", padding));
}

at::Tensor RandomCrop::apply(const at::Tensor& batch, at::Generator& generator) const {
  require_images(batch, "random_crop");
  if (padding_ == 0) return batch;
  const int64_t b = batch.size(0), h = batch.size(2), w = batch.size(3);
  const at::Tensor padded = at::constant_pad_nd(batch, {padding_, padding_, padding_, padding_}, 0.0);
  const at::Tensor offsets = at::randint(2 * padding_ + 1, {b, 2}, generator, at::kLong);
  const int64_t* off = offsets.data_ptr<int64_t>();
  at::Tensor out = at::empty_like(batch);
  for (int64_t i = 0; i < b; ++i) {
    out[i].copy_(padded[i].narrow(1, off[2 * i], h).narrow(2, off[2 * i + 1], w));
  }
  return out;
}

std::shared_ptr<Transform> random_translation(int64_t max_shift) { return std::make_shared<RandomCrop>(max_shift); }

}  // namespace bx
