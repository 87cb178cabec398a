// The shipped backbone configs: torchvision's architectures, layer for layer, under its names.
#include <filesystem>

#include "blox/io/checkpoint.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

namespace {

// `blox inspect` of a shipped backbone with 1,000 classes (ImageNet's head), read from a manifest
// of two shipped images labelled 0 and 999.
Result inspect_at_1000_classes(const RunDir& dir, const std::string& config) {
  const fs::path images = source_path("datasets/fashion-mnist-images/train");
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(images)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  REQUIRE(files.size() >= 2);
  write(dir.path / "images.csv", "path,label\n" + files[0].string() + ",0\n" + files[1].string() + ",999\n");
  const std::string manifest = (dir.path / "images.csv").string();
  return blox(dir.path, "inspect '" + source_path(config) + "' --set data.format=image_list --set data.train='" +
                            manifest + "' --set data.test='" + manifest + "' --set data.classes=1000");
}

// Whether `output` has a param row for `path` showing `shape`.
bool has_row(const std::string& output, const std::string& path, const std::string& shape) {
  const size_t at = output.find("\n" + path + " ");
  if (at == std::string::npos) return false;
  const std::string line = output.substr(at + 1, output.find('\n', at + 1) - at - 1);
  return line.find(" " + shape + " ") != std::string::npos;
}

}  // namespace

TEST_CASE("backbones: configs/resnet18.yaml has torchvision's resnet18 params (11,689,512 at 1,000 classes), its names") {
  RunDir dir;
  const Result r = inspect_at_1000_classes(dir, "configs/resnet18.yaml");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK_MESSAGE(r.output.find("total: 11689512 trainable, 0 frozen, 9602 state") != std::string::npos, r.output);
  // torchvision's module names: conv1, layerN.M.convK, the projection as downsample.0 / .1, fc.
  for (const auto& row : std::vector<std::pair<std::string, std::string>>{{"model/conv1/kernel", "[64, 3, 7, 7]"}, {"model/layer1/1/conv2/kernel", "[64, 64, 3, 3]"}, {"model/layer2/0/downsample/0/kernel", "[128, 64, 1, 1]"}, {"model/layer4/0/downsample/1/mean", "[512]"}, {"model/fc/kernel", "[512, 1000]"}}) {
    CHECK_MESSAGE(has_row(r.output, row.first, row.second), row.first);
  }
}

TEST_CASE("backbones: configs/resnet50.yaml and mobilenet_v2.yaml have torchvision's params and names") {
  RunDir dir;
  // torchvision's counts: sum(p.numel() for p in model.parameters()) at 1,000 classes.
  const Result resnet50 = inspect_at_1000_classes(dir, "configs/resnet50.yaml");
  REQUIRE_MESSAGE(resnet50.exit_code == 0, resnet50.output);
  CHECK_MESSAGE(resnet50.output.find("total: 25557032 trainable, 0 frozen, 53122 state") != std::string::npos,
                resnet50.output);
  for (const auto& row : std::vector<std::pair<std::string, std::string>>{{"model/layer1/0/downsample/0/kernel", "[256, 64, 1, 1]"}, {"model/layer1/2/conv3/kernel", "[256, 64, 1, 1]"}, {"model/layer3/5/bn3/scale", "[1024]"}, {"model/layer4/0/conv2/kernel", "[512, 512, 3, 3]"}, {"model/fc/kernel", "[2048, 1000]"}}) {
    CHECK_MESSAGE(has_row(resnet50.output, row.first, row.second), row.first);
  }
  CHECK(resnet50.output.find("model/layer1/1/downsample") == std::string::npos);  // one per stage
  const Result mobilenet = inspect_at_1000_classes(dir, "configs/mobilenet_v2.yaml");
  REQUIRE_MESSAGE(mobilenet.exit_code == 0, mobilenet.output);
  CHECK_MESSAGE(mobilenet.output.find("total: 3504872 trainable, 0 frozen, 34114 state") != std::string::npos,
                mobilenet.output);
  for (const auto& row : std::vector<std::pair<std::string, std::string>>{{"model/features/0/0/kernel", "[32, 3, 3, 3]"}, {"model/features/1/conv/0/0/kernel", "[32, 1, 3, 3]"}, {"model/features/3/conv/1/0/kernel", "[144, 1, 3, 3]"}, {"model/features/17/conv/2/kernel", "[320, 960, 1, 1]"}, {"model/features/18/1/var", "[1280]"}, {"model/classifier/1/kernel", "[1280, 1000]"}}) {
    CHECK_MESSAGE(has_row(mobilenet.output, row.first, row.second), row.first);
  }
}

TEST_CASE("backbones: a residual needs its branch once, as layer or layers") {
  RunDir dir;
  const std::string config = "'" + source_path("configs/fashion_cnn_images.yaml") + "'";
  Result r = blox(dir.path, "validate " + config + " --set 'model.layers[0]={type: residual, name: r}'");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find("residual: missing its branch: `layer` (one spec) or `layers` (a list)") != std::string::npos,
                r.output);
  r = blox(dir.path, "validate " + config +
                         " --set 'model.layers[0]={type: residual, name: r, layer: {type: relu}, layers: [{type: relu}]}'");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find("model.layers[0].layers: residual: give its branch as `layer` or `layers`, not both") !=
                    std::string::npos,
                r.output);
  CHECK(r.output.find("unknown key") == std::string::npos);
}

TEST_CASE("backbones: the resnet18 fine-tune recipe; phase 1 leaves every frozen param and statistic bitwise as imported") {
  RunDir dir;
  // At 32 x 32, 8 images a batch: the recipe's mechanics, in seconds.
  const std::string small = " --set data.batch_size=8 --set 'data.transforms=[{type: random_resized_crop, size: 32}, "
                            "{type: normalize, preset: imagenet}]' --quiet";
  const auto config = [](const char* name) { return "'" + source_path(std::string("configs/") + name) + "'"; };
  // A PyTorch state dict of resnet18 (the weights a team trained): blox's, written in PyTorch's layout.
  REQUIRE(blox(dir.path, "train " + config("resnet18.yaml") + " --set train.max_steps=2 --set checkpoint.dir=source" +
                             small).exit_code == 0);
  const Result exported =
      blox(dir.path, "export source/last.safetensors --format pytorch-safetensors -o resnet18.safetensors");
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.output);

  const Result phase1 = blox(dir.path, "train " + config("resnet18_finetune.yaml") +
                                           " --set finetune.init_from='" + (dir.path / "resnet18.safetensors").string() +
                                           "' --set checkpoint.dir=phase1"
                                           " --set train.max_steps=3" + small);
  REQUIRE_MESSAGE(phase1.exit_code == 0, phase1.output);
  const Checkpoint source = load_checkpoint((dir.path / "source" / "last.safetensors").string());
  const Checkpoint one = load_checkpoint((dir.path / "phase1" / "last.safetensors").string());
  CHECK(one.step == 3);
  int frozen = 0;
  for (size_t i = 0; i < one.params.size(); ++i) {
    const std::string& path = one.params.key(i);
    if (path.rfind("model/", 0) != 0 || path.rfind("model/rng/", 0) == 0) continue;
    CAPTURE(path);
    const bool head = path.rfind("model/fc/", 0) == 0;
    CHECK(one.params.param(i).trainable == head);
    if (head) {
      CHECK_FALSE(at::equal(one.params.param(i).value, source.params[path].value));  // trained
    } else {
      CHECK(at::equal(one.params.param(i).value, source.params[path].value));  // kernels, scales, means, vars
      ++frozen;
    }
  }
  CHECK(frozen == 100);  // resnet18's 102 tensors (its 20 num_batches_tracked aside) but fc's two

  // Phase 2: layer4 trains (at a tenth of the rate), its statistics follow the data; the rest stays.
  const Result phase2 = blox(dir.path, "train " + config("resnet18_finetune_stage2.yaml") +
                                           " --set finetune.init_from='" + (dir.path / "phase1" / "last.safetensors").string() +
                                           "' --set checkpoint.dir=phase2"
                                           " --set train.max_steps=2" + small);
  REQUIRE_MESSAGE(phase2.exit_code == 0, phase2.output);
  const Checkpoint two = load_checkpoint((dir.path / "phase2" / "last.safetensors").string());
  for (const char* path : {"model/layer4/1/conv2/kernel", "model/layer4/0/downsample/1/mean", "model/fc/kernel"}) {
    CAPTURE(path);
    CHECK_FALSE(at::equal(two.params[path].value, one.params[path].value));
  }
  for (const char* path : {"model/conv1/kernel", "model/layer3/1/bn2/var", "model/layer1/0/conv1/kernel"}) {
    CAPTURE(path);
    CHECK(at::equal(two.params[path].value, one.params[path].value));
  }
}

