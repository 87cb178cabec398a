// The `data.transforms[*].type` names: their settings (declared once, see settings.h) and builders.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "blox/data/transforms.h"
#include "blox/schema/options.h"
#include "blox/schema/rule.h"
#include "blox/schema/type_registry.h"

namespace bx {

struct NormalizeSettings {
  std::vector<double> mean{0.0};
  std::vector<double> std{1.0};
  std::string preset;
  template <class Visit>
  void fields(Visit& visit) {
    visit("mean", mean, Rule(), "one per channel, or one for all");
    visit("std", std, Rule::positive(), "one per channel, or one for all");
    visit("preset", preset, Rule::one_of({"", "imagenet"}),
          "imagenet: ImageNet's RGB mean [0.485, 0.456, 0.406] and std [0.229, 0.224, 0.225] (torchvision's "
          "pretrained models), in place of mean and std");
  }
};

struct ResizeSettings {
  int64_t size = 0;
  int64_t height = 0, width = 0;
  template <class Visit>
  void fields(Visit& visit) {
    visit("size", size, Rule::non_negative(), "the shorter side's length (the longer keeps the aspect ratio)");
    visit("height", height, Rule::non_negative(), "with width, in place of size: exactly height x width");
    visit("width", width, Rule::non_negative(), "see height");
  }
};

struct CenterCropSettings {
  int64_t size = 0;
  int64_t height = 0, width = 0;
  template <class Visit>
  void fields(Visit& visit) {
    visit("size", size, Rule::non_negative(), "a square crop's side");
    visit("height", height, Rule::non_negative(), "with width, in place of size");
    visit("width", width, Rule::non_negative(), "see height");
  }
};

struct RandomResizedCropSettings {
  int64_t size = 0;
  std::vector<double> scale{0.08, 1.0};
  std::vector<double> ratio{3.0 / 4.0, 4.0 / 3.0};
  template <class Visit>
  void fields(Visit& visit) {
    visit("size", size, Rule().required().at_least(1), "the output's side (square)");
    visit("scale", scale, Rule::positive(), "[low, high]: the crop's share of the image's area");
    visit("ratio", ratio, Rule::positive(), "[low, high]: the crop's aspect ratio (width / height), drawn log-uniformly");
  }
};

struct ColorJitterSettings {
  double brightness = 0, contrast = 0, saturation = 0;
  template <class Visit>
  void fields(Visit& visit) {
    visit("brightness", brightness, Rule::non_negative(), "factor drawn from [max(0, 1 - x), 1 + x]");
    visit("contrast", contrast, Rule::non_negative(), "as brightness");
    visit("saturation", saturation, Rule::non_negative(), "as brightness");
  }
};

struct StandardizeSettings {
  std::vector<double> mean;
  std::vector<double> std;
  template <class Visit>
  void fields(Visit& visit) {
    visit("mean", mean, Rule(), "per channel (a table's feature); fitted on the training split when absent");
    visit("std", std, Rule::positive(), "per channel; fitted (population std, 1 for a constant channel) when absent");
  }
};

struct FlipSettings {
  double p = 0.5;
  template <class Visit>
  void fields(Visit& visit) {
    visit("p", p, Rule().at_least(0).at_most(1), "probability of mirroring an image");
  }
};

struct CropSettings {
  int64_t padding = 4;
  template <class Visit>
  void fields(Visit& visit) {
    visit("padding", padding, Rule::non_negative(), "zeros added on every side before the random crop");
  }
};

struct TranslationSettings {
  int64_t max_shift = 2;
  template <class Visit>
  void fields(Visit& visit) {
    visit("max_shift", max_shift, Rule::non_negative(), "pixels of shift at most, in each direction");
  }
};

/// Builds a transform from its mapping (past `type`); nullptr after diagnostics.
using TransformBuilder = std::function<std::shared_ptr<const Transform>(Options& options)>;

/// Every transform blox ships.
const TypeRegistry<TransformBuilder>& builtin_transforms();

/// One `data.transforms` entry; nullptr after diagnostics at its keys.
std::shared_ptr<const Transform> read_transform(Options& options);

}  // namespace bx
