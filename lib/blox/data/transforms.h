// Batch transforms declared in a config: normalization and seeded augmentations.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace bx {

/// Maps a float batch (B, ...) to a batch of the same size. Random choices come only from
/// `generator`, which the loader derives from (seed, epoch, batch index): deterministic.
class Transform {
 public:
  virtual ~Transform() = default;
  virtual at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const = 0;
  /// False for transforms that map an input to one output (normalization): evaluation and
  /// prediction keep those and drop the random ones (augmentation).
  virtual bool random() const = 0;
  /// What evaluation and prediction use in place of a random transform: nothing (an
  /// augmentation), or deterministic transforms giving the same output size.
  virtual std::vector<std::shared_ptr<const Transform>> evaluation_stand_in() const { return {}; }
};

/// What evaluation and prediction apply of `transforms`: the deterministic ones and the stand-ins
/// of random ones, in order.
std::vector<std::shared_ptr<const Transform>> evaluation_transforms(
    const std::vector<std::shared_ptr<const Transform>>& transforms);

/// (x - mean[c]) / std[c] per channel (axis 1), or over everything with one value each.
class Normalize final : public Transform {
 public:
  /// Throws ConfigError for empty or mismatched lists or a std <= 0.
  Normalize(std::vector<double> mean, std::vector<double> std);
  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override;
  bool random() const override { return false; }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& std() const { return std_; }

 private:
  std::vector<double> mean_, std_;
};

/// The per-channel (axis 1: a table's feature, an image's channel) mean and population
/// standard deviation of `inputs` (N, C, ...), as sklearn's StandardScaler fits them; a
/// constant channel gets std 1 (left centred, not divided by zero).
std::pair<std::vector<double>, std::vector<double>> fit_standardize(const at::Tensor& inputs);

/// Mirrors each image (B, C, H, W) left-right with probability p.
class RandomHorizontalFlip final : public Transform {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override;
  bool random() const override { return true; }
  double p() const { return p_; }

 private:
  double p_;
};

/// Pads each image (B, C, H, W) by `padding` zeros on every side, then crops H x W at a random
/// offset per image: a random translation by up to `padding` pixels with zero fill.
class RandomCrop final : public Transform {
 public:
  explicit RandomCrop(int64_t padding);
  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override;
  bool random() const override { return true; }

 private:
  int64_t padding_;
};

/// Random translation by up to max_shift pixels in each direction, zero fill (= RandomCrop).
std::shared_ptr<Transform> random_translation(int64_t max_shift);

}  // namespace bx
