// prepare_training: a fresh start needs a CONFIG; a resume continues its own directory with its
// stored config, and refuses a config that changes what a resume may not.
#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/train/run_start.h"
#include "support/run_helpers.h"

using namespace bx;

namespace {

// dir/mlp.yaml, and a run of it in dir/run holding only its stored config.yaml (as a run that
// has started writes it).
std::string started_run(const test::TempDir& dir) {
  const std::string config = dir.write("mlp.yaml", test::edited(test::mlp_config(1, 0), "dir: run", "dir: " + (dir.path / "run").string()));
  std::filesystem::create_directories(dir.path / "run");
  dir.write("run/config.yaml", prepare_run(config).document.dump());
  return config;
}

}  // namespace

TEST_CASE("prepare_training: a fresh start without a CONFIG is a ConfigError saying what to give") {
  CHECK_THROWS_WITH_AS(prepare_training({}, false), doctest::Contains("a CONFIG is required"), ConfigError);
}

TEST_CASE("prepare_training: --resume DIR alone runs the stored config") {
  test::TempDir dir("run_start");
  started_run(dir);
  const PreparedRun prepared = prepare_training({"", {}, (dir.path / "run").string()}, false);
  CHECK(prepared.document.path() == (dir.path / "run" / "config.yaml").string());
  CHECK(prepared.run.train.epochs == 1);
}

TEST_CASE("prepare_training: a resume may change the epochs but not the learning rate; the refusal names the key") {
  test::TempDir dir("run_start");
  const std::string config = started_run(dir);
  const std::string run = (dir.path / "run").string();
  CHECK(prepare_training({config, {"train.epochs=5"}, run}, false).run.train.epochs == 5);
  CHECK_THROWS_WITH_AS(prepare_training({config, {"optimizer.learning_rate=0.1"}, run}, false),
                       doctest::Contains("optimizer.learning_rate: 0.003 -> 0.1"), ConfigError);
}

TEST_CASE("prepare_training: a resume goes on in the resumed directory whatever checkpoint.dir says") {
  test::TempDir dir("run_start");
  const std::string config = started_run(dir);
  const std::string run = (dir.path / "run").string();
  const PreparedRun prepared = prepare_training({config, {"checkpoint.dir=elsewhere"}, run}, false);
  CHECK(std::filesystem::equivalent(prepared.run.checkpoint.dir, run));
}

TEST_CASE("prepare_training: a run directory without config.yaml cannot be resumed") {
  test::TempDir dir("run_start");
  std::filesystem::create_directories(dir.path / "run");
  CHECK_THROWS_WITH_AS(prepare_training({"", {}, (dir.path / "run").string()}, false),
                       doctest::Contains("config.yaml is missing"), ConfigError);
}
