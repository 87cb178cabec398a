// ConfigDocument: includes merged key by key, --set overrides, errors naming file and place.
#include "blox/config/document.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "blox/core/errors.h"

using namespace bx;
namespace fs = std::filesystem;

namespace {
struct Dir {
  fs::path path = fs::temp_directory_path() / ("blox_document_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand()));
  Dir() { fs::create_directories(path); }
  ~Dir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};
}  // namespace

TEST_CASE("ConfigDocument: an include is merged first; the including file wins key by key") {
  Dir dir;
  dir.write("base.yaml", "train: {epochs: 3, max_steps: 7}\nseed: 1\n");
  const std::string main = dir.write("main.yaml", "include: base.yaml\ntrain: {epochs: 5}\n");
  ConfigDocument doc = ConfigDocument::load(main);
  Options root = doc.root();
  Options train = root.section("train");
  CHECK(train.integer("epochs", 0) == 5);
  CHECK(train.integer("max_steps", 0) == 7);
  CHECK(root.integer("seed", 0) == 1);
  // A value from the include is located in the include.
  train.error("max_steps", "test");
  INFO(doc.diagnostics()->report());
  CHECK(doc.diagnostics()->report().find("base.yaml:1:31: error: train.max_steps: test") != std::string::npos);
}

TEST_CASE("ConfigDocument: --set replaces and adds values, list items by index") {
  Dir dir;
  const std::string main = dir.write("main.yaml", "model:\n  layers:\n    - {type: linear, output_size: 4}\n");
  ConfigDocument doc = ConfigDocument::load(main, {"model.layers[0].output_size=9", "seed=3"});
  Options root = doc.root();
  CHECK(root.integer("seed", 0) == 3);
  CHECK(root.section("model").sections("layers")[0].integer("output_size", 0) == 9);
}

TEST_CASE("ConfigDocument: unreadable files, syntax errors, include cycles and bad overrides are ConfigErrors") {
  Dir dir;
  CHECK_THROWS_AS(ConfigDocument::load((dir.path / "missing.yaml").string()), ConfigError);
  const std::string broken = dir.write("broken.yaml", "a: [1, 2\n");
  CHECK_THROWS_WITH_AS(ConfigDocument::load(broken), doctest::Contains("broken.yaml:"), ConfigError);
  dir.write("a.yaml", "include: b.yaml\n");
  const std::string b = dir.write("b.yaml", "include: a.yaml\n");
  CHECK_THROWS_WITH_AS(ConfigDocument::load(b), doctest::Contains("include"), ConfigError);
  const std::string ok = dir.write("ok.yaml", "seed: 1\n");
  CHECK_THROWS_WITH_AS(ConfigDocument::load(ok, {"seed"}), doctest::Contains("seed"), ConfigError);
}
