// blox train --resume end to end: by directory alone, only into the resumed directory, and only
// with the changes a resume may make (lib/blox/config/resume_changes.h).
#include <filesystem>
#include <map>

#include "blox/io/checkpoint.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

namespace {

// Every file of `dir` with its bytes: a run directory as it stands.
std::map<std::string, std::string> contents(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) out[entry.path().filename().string()] = read(entry.path());
  return out;
}

}  // namespace

TEST_CASE("blox train --resume DIR without a config continues from DIR/config.yaml: bitwise the straight run") {
  RunDir straight, stopped;
  write(straight.path / "mlp.yaml", mlp_config(2, 0));
  write(stopped.path / "mlp.yaml", mlp_config(2, 0));
  REQUIRE(blox(straight.path, "train mlp.yaml --quiet").exit_code == 0);
  REQUIRE(blox(stopped.path, "train mlp.yaml --quiet --set train.max_steps=7").exit_code == 0);
  fs::remove(stopped.path / "mlp.yaml");  // only the run's stored config is left
  const Result resumed = blox(stopped.path, "train --quiet --resume run --set train.max_steps=0");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  CHECK(resumed.output.find("train.max_steps: 7 -> 0") != std::string::npos);
  const Checkpoint a = last_checkpoint(straight.path / "run"), b = last_checkpoint(stopped.path / "run");
  CHECK(a.step == b.step);
  CHECK(bitwise_equal(a.params, b.params));
  CHECK(bitwise_equal(a.optimizer, b.optimizer));
  // config.yaml is the config the run goes on under.
  CHECK(read(stopped.path / "run" / "config.yaml").find("max_steps: 0") != std::string::npos);
}

TEST_CASE("blox train OTHER.yaml --resume DIR writes into DIR only, never into OTHER's checkpoint.dir") {
  RunDir dir;
  train_mlp(dir.path, 1);
  write(dir.path / "other.yaml", edited(mlp_config(1, 0), "dir: run,", "dir: other,"));
  REQUIRE(blox(dir.path, "train other.yaml --quiet").exit_code == 0);
  const std::map<std::string, std::string> other = contents(dir.path / "other");
  const int64_t before = last_checkpoint(dir.path / "run").step;
  const Result resumed = blox(dir.path, "train other.yaml --quiet --resume run --set train.epochs=2");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  CHECK(resumed.output.find("writing into run, not other.yaml's checkpoint.dir 'other'") != std::string::npos);
  CHECK(contents(dir.path / "other") == other);
  CHECK(last_checkpoint(dir.path / "run").step == 2 * before);
}

TEST_CASE("blox train --resume refuses a config that changes what the run trains (exit 2, key: stored -> new); "
          "accepts one that changes how long") {
  RunDir dir;
  train_mlp(dir.path, 1);
  const std::map<std::string, std::string> run = contents(dir.path / "run");
  const int64_t one_epoch = last_checkpoint(dir.path / "run").step;
  struct Refused {
    std::string args, expected;
  };
  for (const Refused& r : {Refused{"--set optimizer.learning_rate=0.01", "optimizer.learning_rate: 0.003 -> 0.01"},
                           Refused{"--set model.layers[1].output_size=64", "model.layers[1].output_size: 32 -> 64"},
                           // metrics.csv keeps one header: other columns would misalign its rows.
                           Refused{"--set metrics=[loss,accuracy,f1]", "metrics: [loss, accuracy] -> [loss, accuracy, f1]"}}) {
    CAPTURE(r.args);
    const Result refused = blox(dir.path, "train mlp.yaml --quiet --resume run --set train.epochs=2 " + r.args);
    CHECK(refused.exit_code == 2);
    CHECK_MESSAGE(refused.output.find(r.expected) != std::string::npos, refused.output);
    CHECK(refused.output.find("train.epochs") == std::string::npos);  // only the refused keys are listed
    CHECK(contents(dir.path / "run") == run);
  }
  // An edited config file counts as a change too.
  write(dir.path / "wider.yaml", edited(mlp_config(2, 0), "output_size: 32", "output_size: 48"));
  const Result wider = blox(dir.path, "train wider.yaml --quiet --resume run");
  CHECK(wider.exit_code == 2);
  CHECK(wider.output.find("model.layers[1].output_size: 32 -> 48") != std::string::npos);
  CHECK(contents(dir.path / "run") == run);

  const Result longer = blox(dir.path, "train mlp.yaml --quiet --resume run --set train.epochs=2");
  REQUIRE_MESSAGE(longer.exit_code == 0, longer.output);
  CHECK(last_checkpoint(dir.path / "run").step == 2 * one_epoch);
  const std::string csv = read(dir.path / "run" / "metrics.csv");
  CHECK(csv.rfind("step,") == 0);  // one header, first
}

TEST_CASE("blox train without a config and without --resume is a usage error") {
  RunDir dir;
  const Result r = blox(dir.path, "train --quiet");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("a CONFIG is required") != std::string::npos);
}

TEST_CASE("blox train --resume: a torn event file is cut back, saying so; a damaged or non-regular one is refused") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 10));
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet --set train.max_steps=10 --set train.tensorboard=true").exit_code == 0);
  std::string events;
  for (const auto& entry : fs::directory_iterator(dir.path / "run")) {
    if (entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0) events = entry.path().string();
  }
  REQUIRE(!events.empty());
  const std::string named = "run/" + fs::path(events).filename().string();  // as the run names it
  const std::string whole = read(events);
  const std::string resume = "train mlp.yaml --quiet --resume run --set train.max_steps=20 --set train.tensorboard=true";
  const auto restore = [&] {
    fs::remove_all(events);
    write(events, whole);
  };

  write(events, whole.substr(0, whole.size() - 5));  // the last record cut short
  const Result torn = blox(dir.path, resume);
  CHECK_MESSAGE(torn.exit_code == 0, torn.output);
  CHECK_MESSAGE(torn.output.find("note: " + named + ": dropped") != std::string::npos, torn.output);

  restore();
  std::string flipped = whole;
  flipped[whole.size() / 2] = static_cast<char>(flipped[whole.size() / 2] ^ 0x10);
  write(events, flipped);
  const Result damaged = blox(dir.path, resume + " --set train.max_steps=30");
  CHECK(damaged.exit_code == 2);
  CHECK_MESSAGE(damaged.output.find(named + ": record 2 (byte 40): its data's checksum does not match") != std::string::npos, damaged.output);
  CHECK(read(events) == flipped);  // kept as it was, for whoever looks into it

  for (const std::string kind : {"a directory", "a symbolic link"}) {
    CAPTURE(kind);
    fs::remove_all(events);
    if (kind == "a directory") {
      fs::create_directory(events);
    } else {
      fs::create_symlink("/dev/zero", events);
    }
    const Result refused = blox(dir.path, resume + " --set train.max_steps=30");
    CHECK(refused.exit_code == 2);
    CHECK_MESSAGE(refused.output.find(named + ": named as one of this run's TensorBoard event files, but " + kind) !=
                      std::string::npos,
                  refused.output);
    CHECK(fs::symlink_status(events).type() == (kind == "a directory" ? fs::file_type::directory : fs::file_type::symlink));
  }
}
