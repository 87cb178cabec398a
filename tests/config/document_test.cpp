// ConfigDocument: includes merged key by key, --set overrides, errors naming file and place.
#include "blox/config/document.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "blox/core/errors.h"

#include "support/temp_dir.h"

using namespace bx;
namespace fs = std::filesystem;

namespace {
struct Dir : bx::test::TempDir {
  Dir() : TempDir("document") {}
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

TEST_CASE("ConfigDocument: a duplicate key, a second document, a custom tag and a directory are refused, located") {
  Dir dir;
  const std::string twice = dir.write("twice.yaml", "seed: 0\ntrain:\n  epochs: 2\nseed: 7\n");
  CHECK_THROWS_WITH_AS(ConfigDocument::load(twice),
                       doctest::Contains("twice.yaml:4:1: error: duplicate key 'seed' (first at line 1)"), ConfigError);
  const std::string nested = dir.write("nested.yaml", "train:\n  epochs: 2\n  epochs: 3\n");
  CHECK_THROWS_WITH_AS(ConfigDocument::load(nested), doctest::Contains("nested.yaml:3:3: error: duplicate key 'epochs'"),
                       ConfigError);
  const std::string two = dir.write("two.yaml", "seed: 0\n---\nbogus: 1\n");
  CHECK_THROWS_WITH_AS(ConfigDocument::load(two), doctest::Contains("a second YAML document"), ConfigError);
  const std::string tagged = dir.write("tagged.yaml", "seed: !custom 3\n");
  CHECK_THROWS_WITH_AS(ConfigDocument::load(tagged), doctest::Contains("unknown YAML tag '!custom'"), ConfigError);
  CHECK_NOTHROW(ConfigDocument::load(dir.write("plain.yaml", "seed: !!int 3\nname: \"quoted\"\n")));
  fs::create_directories(dir.path / "folder.yaml");
  CHECK_THROWS_WITH_AS(ConfigDocument::load((dir.path / "folder.yaml").string()),
                       doctest::Contains("is a directory, expected a YAML config file"), ConfigError);
}

TEST_CASE("ConfigDocument: --set into a value, a non-index into a list and an empty key part are named errors") {
  Dir dir;
  const std::string ok = dir.write("ok.yaml", "seed: 1\nmodel:\n  layers:\n    - {type: relu}\n");
  CHECK_THROWS_WITH_AS(ConfigDocument::load(ok, {"seed[0]=1"}), "--set 'seed[0]=1': 'seed' is a value, not a section or a list",
                       ConfigError);
  CHECK_THROWS_WITH_AS(ConfigDocument::load(ok, {"model.layers.x=1"}),
                       "--set 'model.layers.x=1': 'model.layers' is a list; expected an index, got 'x'", ConfigError);
  CHECK_THROWS_WITH_AS(ConfigDocument::load(ok, {"a..b=1"}), "--set 'a..b=1': an empty part in the key path 'a..b'",
                       ConfigError);
}

TEST_CASE("ConfigDocument: invalid UTF-8 in a file or an override is refused, located (it would break a checkpoint's JSON)") {
  Dir dir;
  const std::string bad = dir.write("bad.yaml", "seed: 1\nmodel:\n  layers:\n    - {type: relu, name: r\xe9lu}\n");
  CHECK_THROWS_WITH_AS(ConfigDocument::load(bad),
                       doctest::Contains("bad.yaml:4:27: error: invalid UTF-8 (byte 51 of the file)"), ConfigError);
  const std::string ok = dir.write("ok.yaml", "seed: 1\nname: \"r\xc3\xa9lu\"\n");
  CHECK_NOTHROW(ConfigDocument::load(ok));
  CHECK_THROWS_WITH_AS(ConfigDocument::load(ok, {"name=r\xe9lu"}), "--set: invalid UTF-8 at byte 6 of the override",
                       ConfigError);
}

TEST_CASE("ConfigDocument: input on which yaml-cpp's LoadAll loops forever is a located syntax error (a fuzzer finding)") {
  Dir dir;
  std::ifstream in(std::string(BLOX_SOURCE_DIR) + "/fuzz/regressions/config_fuzz/unmatched-brace-loadall-loops.yaml");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string file = dir.write("loops.yaml", text);
  CHECK_THROWS_WITH_AS(ConfigDocument::load(file), doctest::Contains("error: YAML syntax: the parser cannot go on after"),
                       ConfigError);
}

TEST_CASE("ConfigDocument: an alias inside its own node, or aliases expanding past a million nodes, are refused located") {
  Dir dir;
  CHECK_THROWS_WITH_AS(ConfigDocument::load(dir.write("cycle.yaml", "a: &a [*a]\n")),
                       doctest::Contains("cycle.yaml:1:8: error: an alias inside the node it refers to"), ConfigError);
  std::string laughs = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    laughs += fmt::format("l{0}: &l{0} [*l{1}, *l{1}, *l{1}, *l{1}, *l{1}, *l{1}, *l{1}, *l{1}, *l{1}, *l{1}]\n", i, i - 1);
  }
  CHECK_THROWS_WITH_AS(ConfigDocument::load(dir.write("laughs.yaml", laughs)),
                       doctest::Contains("aliases expand to more than 1000000 nodes"), ConfigError);
  CHECK_THROWS_WITH_AS(ConfigDocument::load(dir.write("plain.yaml", "a: 1\n"), {"b=&b [*b]"}),
                       doctest::Contains("--set 'b=&b [*b]':1:5: error: an alias inside the node"), ConfigError);
  // Anchors and aliases that expand to a sane tree are fine.
  const ConfigDocument fine = ConfigDocument::load(dir.write("anchors.yaml", "a: &x {k: 1}\nb: *x\n"));
  CHECK(fine.dump().find("b:") != std::string::npos);
}

TEST_CASE("ConfigDocument: a config or include that is a device, or past 16 MiB, is refused before it is read") {
  Dir dir;
  CHECK_THROWS_WITH_AS(ConfigDocument::load(dir.write("zero.yaml", "include: /dev/zero\n")),
                       doctest::Contains("/dev/zero: is not a regular file"), ConfigError);
  CHECK_THROWS_WITH_AS(ConfigDocument::load("/dev/zero"), doctest::Contains("is not a regular file"), ConfigError);
  const std::string big = dir.write("big.yaml", std::string((16u << 20) + 1, '#'));
  CHECK_THROWS_WITH_AS(ConfigDocument::load(big), doctest::Contains("a config file is at most 16 MiB"), ConfigError);
}
