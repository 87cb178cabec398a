#include "blox/data/transform_registry.h"

#include "blox/core/errors.h"
#include "blox/schema/settings.h"

namespace bx {
namespace {

template <class S, class Make>
TransformBuilder from_settings(Make make) {
  return [make](Options& o) -> std::shared_ptr<const Transform> {
    const auto settings = read_settings(o, S{});
    if (!settings) return nullptr;
    return make(*settings);
  };
}

}  // namespace

const TypeRegistry<TransformBuilder>& builtin_transforms() {
  static const TypeRegistry<TransformBuilder> kBuiltin = [] {
    TypeRegistry<TransformBuilder> r("transform");
    r.add("normalize", {"(x - mean[c]) / std[c] per channel; kept for evaluation", settings_doc(NormalizeSettings{})},
          from_settings<NormalizeSettings>(
              [](const NormalizeSettings& s) { return std::make_shared<Normalize>(s.mean, s.std); }));
    r.add("standardize",
          {"normalize whose per-channel mean and std are fitted on the training split (the first transform "
           "only); the fitted values are written into the resolved config, so checkpoints, eval, predict and export "
           "use them",
           settings_doc(StandardizeSettings{})},
          from_settings<StandardizeSettings>([](const StandardizeSettings& s) -> std::shared_ptr<const Transform> {
            if (s.mean.empty() || s.std.empty()) throw ConfigError("standardize: not fitted (mean and std are empty)");
            return std::make_shared<Normalize>(s.mean, s.std);
          }));
    r.add("random_horizontal_flip", {"mirrors images left-right (training only)", settings_doc(FlipSettings{})},
          from_settings<FlipSettings>([](const FlipSettings& s) { return std::make_shared<RandomHorizontalFlip>(s.p); }));
    r.add("random_crop", {"pads with zeros, crops back at a random offset (training only)", settings_doc(CropSettings{})},
          from_settings<CropSettings>([](const CropSettings& s) { return std::make_shared<RandomCrop>(s.padding); }));
    r.add("random_translation", {"shifts images with zero fill (training only)", settings_doc(TranslationSettings{})},
          from_settings<TranslationSettings>(
              [](const TranslationSettings& s) { return random_translation(s.max_shift); }));
    return r;
  }();
  return kBuiltin;
}

std::shared_ptr<const Transform> read_transform(Options& t) {
  const TransformBuilder* builder = builtin_transforms().find(t, "type", t.string("type", "normalize"));
  if (!builder) return nullptr;
  std::shared_ptr<const Transform> out;
  try {
    out = (*builder)(t);
  } catch (const ConfigError& e) {
    t.error("", e.what());
  }
  t.finish();
  return out;
}

}  // namespace bx
