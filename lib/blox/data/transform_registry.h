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
  template <class Visit>
  void fields(Visit& visit) {
    visit("mean", mean, Rule(), "one per channel, or one for all");
    visit("std", std, Rule::positive(), "one per channel, or one for all");
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
