// What train and eval report end to end: every evaluation names its split (lines, metrics.jsonl,
// metrics.csv), selecting on the test split warns once, eval falls back to the validation split,
// the train loss of a resumed run covers the steps a straight run's does, and eval --json keeps
// its failed assertions on stderr.
#include <filesystem>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/helpers.h"
#include "support/run_helpers.h"

namespace fs = std::filesystem;
using namespace bx::test;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The subset MLP without test data: evaluation can only use a held-out part of train.
std::string config_without_test() {
  const std::string s = source_path("datasets/fashion-mnist-subset/");
  return edited(edited(mlp_config(1, 0), "  test: " + s + "t10k-images-idx3-ubyte.gz\n", ""),
                "  test_labels: " + s + "t10k-labels-idx1-ubyte.gz\n", "");
}

// The train_loss of every row of a metrics.jsonl, by step.
std::map<int64_t, double> train_losses(const fs::path& jsonl) {
  std::map<int64_t, double> losses;
  std::ifstream in(jsonl);
  for (std::string line; std::getline(in, line);) {
    const auto row = nlohmann::json::parse(line);
    losses[row["step"].get<int64_t>()] = row["train_loss"].get<double>();
  }
  return losses;
}

// The epoch lines of a run's output ("epoch   1  step ..."), the live progress lines left out.
std::string epoch_lines(const std::string& output) {
  std::string kept;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("epoch  ", 0) == 0) kept += line.substr(0, line.rfind("  ", line.find(" examples/s"))) + "\n";
  }
  return kept;
}

}  // namespace

TEST_CASE("blox train on the test split: lines, jsonl and csv rows name it; keep_best on it warns once") {
  RunDir dir;
  write(dir.path / "mlp.yaml", edited(mlp_config(2, 0), "log_every_steps: 0", "log_every_steps: 5, max_steps: 30"));
  const Result r = blox(dir.path, "train mlp.yaml");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK_MESSAGE(count(r.output, "warning: checkpoint.keep_best accuracy watches the test split") == 1, r.output);
  CHECK(count(r.output, "test: accuracy ") == 2);
  const std::string csv = read(dir.path / "run" / "metrics.csv");
  CHECK(csv.rfind("step,epoch,lr,train_loss,examples_per_second,loss,accuracy,split\n", 0) == 0);
  CHECK(count(csv, ",test\n") == 2);  // the evaluated rows; the others leave the column empty
  CHECK(count(csv, ",,,\n") == 4);
  const std::string jsonl = read(dir.path / "run" / "metrics.jsonl");
  CHECK(count(jsonl, "\"split\":\"test\"") == 2);
  CHECK(count(jsonl, "\"split\"") == 2);

  // Selecting on a held-out part: no warning, and every report says validation.
  RunDir held;
  write(held.path / "mlp.yaml", edited(mlp_config(1, 0), "log_every_steps: 0", "early_stopping_metric: loss"));
  const Result v = blox(held.path, "train mlp.yaml --set data.validation_fraction=0.2");
  REQUIRE_MESSAGE(v.exit_code == 0, v.output);
  CHECK(v.output.find("warning:") == std::string::npos);
  CHECK(v.output.find("validation: accuracy ") != std::string::npos);
  CHECK(read(held.path / "run" / "metrics.csv").find(",validation\n") != std::string::npos);
}

TEST_CASE("blox eval of a config without test data evaluates the validation split and says so on stderr") {
  RunDir dir;
  write(dir.path / "mlp.yaml", config_without_test());
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet --set data.validation_fraction=0.2 --set train.max_steps=4").exit_code == 0);
  const Result text = blox(dir.path, "eval run/last.safetensors");
  REQUIRE_MESSAGE(text.exit_code == 0, text.output);
  CHECK(text.output.find("no test split in this config: evaluating the validation split") != std::string::npos);
  CHECK(text.output.find("validation split, step 4: accuracy ") != std::string::npos);
  // --json: stdout is the JSON alone, naming the split.
  const Result json = run_command("cd '" + dir.path.string() + "' && ('" + BLOX_BINARY +
                                  "' eval run/last.safetensors --json 2>/dev/null)");
  REQUIRE(json.exit_code == 0);
  CHECK(nlohmann::json::parse(json.output)["split"] == "validation");
  // Asking for the missing split is still an error naming the ones there are.
  const Result test = blox(dir.path, "eval run/last.safetensors --data test");
  CHECK(test.exit_code == 2);
  CHECK(test.output.find("no 'test' split in this config (train, validation)") != std::string::npos);
}

TEST_CASE("blox eval --json: a failed assertion is named on stderr, stdout stays pure JSON") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet --set train.max_steps=2").exit_code == 0);
  const std::string eval = "cd '" + dir.path.string() + "' && ('" + BLOX_BINARY +
                           "' eval run/last.safetensors --json --assert 'accuracy>=0.99' --assert 'loss>=0'";
  const Result out = run_command(eval + " 2>/dev/null)");
  CHECK(out.exit_code == 1);
  const auto json = nlohmann::json::parse(out.output);  // throws on anything but JSON
  CHECK(json["assertions"][0]["ok"] == false);
  const Result err = run_command(eval + " >/dev/null)");
  CHECK(err.output.find("FAIL accuracy>=0.99 (got ") != std::string::npos);
  CHECK(err.output.find("loss>=0") == std::string::npos);  // passed: JSON only
}

TEST_CASE("blox train --resume: rows and epoch lines carry the train loss of the steps before the resumed one") {
  // A straight run, then the same run again from its checkpoint at step 24 (mid-epoch, between
  // rows at 20 and 25): the rows and the epoch line must not lose steps 21-24.
  RunDir dir;
  write(dir.path / "mlp.yaml", edited(mlp_config(2, 3), "log_every_steps: 0", "log_every_steps: 5"));
  const Result straight = blox(dir.path, "train mlp.yaml");
  REQUIRE_MESSAGE(straight.exit_code == 0, straight.output);
  const auto straight_losses = train_losses(dir.path / "run" / "metrics.jsonl");
  const Result resumed = blox(dir.path, "train mlp.yaml --resume run/ckpt-000000024.safetensors");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  const auto resumed_losses = train_losses(dir.path / "run" / "metrics.jsonl");
  REQUIRE(resumed_losses.size() == 8);
  REQUIRE(straight_losses.size() == 8);
  for (const auto& [step, loss] : straight_losses) {
    const auto at_step = step;  // clang 14: lambdas (CAPTURE) take variables, not bindings
    CAPTURE(at_step);
    CHECK(resumed_losses.at(step) == doctest::Approx(loss).epsilon(1e-12));
    CHECK(resumed_losses.at(step) > 0);
  }
  const std::string second_epoch = epoch_lines(straight.output).substr(epoch_lines(straight.output).find("\n") + 1);
  CHECK(second_epoch.find("train loss (epoch mean) ") != std::string::npos);
  CHECK(epoch_lines(resumed.output) == second_epoch);
}
