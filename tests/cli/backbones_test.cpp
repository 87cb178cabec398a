// The shipped backbone configs: torchvision's architectures, layer for layer, under its names.
#include <filesystem>

#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

TEST_CASE("backbones: configs/resnet18.yaml has torchvision's resnet18 params (11,689,512 at 1,000 classes), its names") {
  RunDir dir;
  // A manifest of two shipped images labelled by index, with 1,000 classes: ImageNet's head.
  const fs::path images = source_path("datasets/fashion-mnist-images/train");
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(images)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  REQUIRE(files.size() >= 2);
  write(dir.path / "images.csv", "path,label\n" + files[0].string() + ",0\n" + files[1].string() + ",999\n");
  const Result r = blox(dir.path, "inspect '" + source_path("configs/resnet18.yaml") +
                                      "' --set data.format=image_list --set data.train='" + (dir.path / "images.csv").string() +
                                      "' --set data.classes=1000");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK_MESSAGE(r.output.find("total: 11689512 trainable, 0 frozen, 9602 state") != std::string::npos, r.output);
  // torchvision's module names: conv1, layerN.M.convK, the projection as downsample.0 / .1, fc.
  for (const char* row : {"model/conv1/kernel                  [64, 3, 7, 7]",
                          "model/layer1/1/conv2/kernel         [64, 64, 3, 3]",
                          "model/layer2/0/downsample/0/kernel  [128, 64, 1, 1]",
                          "model/layer4/0/downsample/1/mean    [512]",
                          "model/fc/kernel                     [512, 1000]"}) {
    CHECK_MESSAGE(r.output.find(row) != std::string::npos, row);
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
