// Block templates: model.blocks written once, used by `use`, run by `repeat`, expanded before
// reading, with names that are predictable and errors that name the place.
#include "blox/config/blocks.h"

#include <doctest/doctest.h>

#include "blox/config/document.h"
#include "blox/core/errors.h"
#include "support/temp_dir.h"

using namespace bx;

namespace {

const std::string kBlocks =
    "model:\n"
    "  blocks:\n"
    "    basic:\n"
    "      with: {stride: 1, shortcut: null}\n"
    "      layer:\n"
    "        type: residual\n"
    "        layers:\n"
    "          - {type: conv2d, name: conv1, output_channels: \"${channels}\", kernel_size: 3, stride: \"${stride}\"}\n"
    "          - {type: batch_norm, name: \"bn${index}\"}\n"
    "        shortcut: \"${shortcut}\"\n";

std::string dump_of(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  test::TempDir dir("blocks");
  return ConfigDocument::parse(yaml, (dir.path / "net.yaml").string(), overrides).dump();
}

std::string error_of(const std::string& yaml) {
  try {
    dump_of(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("blocks: a use is the template with its parameters; repeat names its copies by index") {
  const std::string out = dump_of(kBlocks +
                                  "  layers:\n"
                                  "    - {use: basic, repeat: [1, 2], with: {channels: 8}}\n"
                                  "    - use: basic\n"
                                  "      name: down\n"
                                  "      with: {channels: 16, stride: 2, index: 9, shortcut: {type: conv2d, output_channels: 16, "
                                  "kernel_size: 1, stride: 2}}\n");
  INFO(out);
  CHECK(out.find("blocks") == std::string::npos);  // expanded, then removed
  // Three residuals, named 1, 2 and down; ${index} in a name; a null parameter drops its key.
  CHECK(out.find("name: 1") != std::string::npos);
  CHECK(out.find("name: 2") != std::string::npos);
  CHECK(out.find("name: down") != std::string::npos);
  CHECK(out.find("name: bn1") != std::string::npos);
  CHECK(out.find("name: bn2") != std::string::npos);
  CHECK(out.find("name: bn9") != std::string::npos);
  CHECK(out.find("output_channels: 8") != std::string::npos);
  CHECK(out.find("stride: 2") != std::string::npos);
  CHECK(out.find("shortcut: null") == std::string::npos);
  CHECK(out.find("shortcut: {type: conv2d") != std::string::npos);
  CHECK(out.find("${") == std::string::npos);
  // --set reaches the use items before they expand.
  const std::string changed = dump_of(kBlocks + "  layers:\n    - {use: basic, repeat: 1, with: {channels: 8}}\n",
                                      {"model.layers[0].with.channels=32"});
  CHECK(changed.find("output_channels: 32") != std::string::npos);
}

TEST_CASE("blocks: one use's `with` does not become the default of the uses after it") {
  // A block whose layer is another block's use, as configs/resnet50.yaml's `down`: its values
  // must not stick to the template they override.
  const std::string out = dump_of(kBlocks +
                                  "    down:\n"
                                  "      layer: {use: basic, with: {channels: \"${channels}\", stride: 2, index: 0, "
                                  "shortcut: {type: conv2d, name: proj, output_channels: 4, kernel_size: 1}}}\n"
                                  "  layers:\n"
                                  "    - {use: down, name: first, with: {channels: 4}}\n"
                                  "    - {use: basic, repeat: [1, 2], with: {channels: 4}}\n");
  INFO(out);
  const auto count = [&](const std::string& text) {
    size_t n = 0;
    for (size_t at = out.find(text); at != std::string::npos; at = out.find(text, at + 1)) ++n;
    return n;
  };
  CHECK(count("name: proj") == 1);  // the first residual's shortcut only
  CHECK(count("stride: 2") == 1);
  CHECK(count("stride: 1") == 2);
  CHECK(count("name: bn0") == 1);
}

TEST_CASE("blocks: unknown blocks and parameters, missing parameters and clashing names are errors with a place") {
  CHECK(error_of(kBlocks + "  layers:\n    - {use: basik, with: {channels: 8}}\n")
            .find("net.yaml:12:13: error: no block 'basik' in model.blocks; hint: did you mean 'basic'?") != std::string::npos);
  CHECK(error_of(kBlocks + "  layers:\n    - {use: basic, with: {channel: 8, index: 0}}\n")
            .find("block 'basic' has no parameter 'channel' (its parameters: channels, index, shortcut, stride); hint: "
                  "did you mean 'channels'?") != std::string::npos);
  CHECK(error_of(kBlocks + "  layers:\n    - {use: basic, with: {index: 0}}\n")
            .find("block 'basic' needs parameter 'channels'; give it in `with`") != std::string::npos);
  CHECK(error_of(kBlocks + "  layers:\n    - {use: basic, with: {channels: 8}}\n")
            .find("needs parameter 'index'; give it in `with` (or use repeat, which sets it)") != std::string::npos);
  CHECK(error_of(kBlocks + "  layers:\n    - {use: basic, name: same, repeat: 2, with: {channels: 8}}\n")
            .find("with repeat, the names must differ: put ${index} in it") != std::string::npos);
  CHECK(error_of(kBlocks + "  layers:\n    - {use: basic, repeat: 0, with: {channels: 8}}\n")
            .find("repeat: expected a count >= 1") != std::string::npos);
  CHECK(error_of(kBlocks + "  layers:\n    - {use: basic, stride: 2}\n")
            .find("'stride' in a `use` item, which takes use, name, with and repeat") != std::string::npos);
  CHECK(error_of("model:\n  blocks:\n    loop: {layer: {use: loop}}\n  layers:\n    - {use: loop}\n")
            .find("blocks nest more than 16 deep (does a block use itself?)") != std::string::npos);
  CHECK(error_of("model:\n  blocks:\n    b: {layers: []}\n  layers: []\n").find("model.blocks.b: expected") !=
        std::string::npos);
}

TEST_CASE("blocks: a later diagnostic about an expanded key points at the template's line") {
  test::TempDir dir("blocks");
  ConfigDocument doc = ConfigDocument::parse(
      kBlocks + "  layers:\n    - {use: basic, repeat: 1, with: {channels: 8}}\n", (dir.path / "net.yaml").string());
  Options root = doc.root();
  Options model = root.section("model");
  std::vector<Options> layers = model.sections("layers");
  REQUIRE(layers.size() == 1);
  std::vector<Options> branch = layers[0].sections("layers");
  REQUIRE(branch.size() == 2);
  branch[0].error("output_channels", "test");
  const std::string report = doc.diagnostics()->report();
  INFO(report);
  CHECK(report.find("net.yaml:8:") != std::string::npos);  // the template's conv2d line
}
