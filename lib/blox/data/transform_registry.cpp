#include "blox/data/transform_registry.h"

#include "blox/core/errors.h"
#include "blox/data/image_transforms.h"
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
          from_settings<NormalizeSettings>([](const NormalizeSettings& s) {
            if (s.preset == "imagenet") {
              return std::make_shared<Normalize>(std::vector<double>{0.485, 0.456, 0.406},
                                                 std::vector<double>{0.229, 0.224, 0.225});
            }
            return std::make_shared<Normalize>(s.mean, s.std);
          }));
    r.add("resize",
          {"images: bilinear with antialiasing (torchvision's Resize, PIL's values within 1/255); kept for evaluation",
           settings_doc(ResizeSettings{})},
          from_settings<ResizeSettings>(
              [](const ResizeSettings& s) { return std::make_shared<Resize>(s.size, s.height, s.width); }));
    r.add("center_crop",
          {"images: the centre, zero-padded where larger than the image (torchvision's CenterCrop); kept for "
           "evaluation",
           settings_doc(CenterCropSettings{})},
          from_settings<CenterCropSettings>([](const CenterCropSettings& s) {
            if (s.size > 0 && (s.height > 0 || s.width > 0)) throw ConfigError("center_crop: give size, or height and width");
            return std::make_shared<CenterCrop>(s.size > 0 ? s.size : s.height, s.size > 0 ? s.size : s.width);
          }));
    r.add("random_resized_crop",
          {"images: a random area and aspect ratio, resized to size x size (torchvision's RandomResizedCrop, "
           "10 tries, then the centre); JPEGs decode only the crop, at 1/2, 1/4 or 1/8 scale when it stays at "
           "least size; evaluation uses resize(size / 0.875) + center_crop(size)",
           settings_doc(RandomResizedCropSettings{})},
          from_settings<RandomResizedCropSettings>([](const RandomResizedCropSettings& s) {
            if (s.scale.size() != 2 || s.ratio.size() != 2) {
              throw ConfigError("random_resized_crop: scale and ratio are [low, high] pairs");
            }
            return std::make_shared<RandomResizedCrop>(s.size, std::make_pair(s.scale[0], s.scale[1]),
                                                       std::make_pair(s.ratio[0], s.ratio[1]));
          }));
    r.add("color_jitter",
          {"images: random brightness, contrast and saturation in a random order (torchvision's ColorJitter "
           "on tensors, without hue; training only)",
           settings_doc(ColorJitterSettings{})},
          from_settings<ColorJitterSettings>([](const ColorJitterSettings& s) {
            return std::make_shared<ColorJitter>(s.brightness, s.contrast, s.saturation);
          }));
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
