// Data-parallel blox train over loopback: 2 processes x 1 thread on the shipped subset.
#include <signal.h>

#include "blox/io/checkpoint.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

namespace {

// The plain subset MLP: 3 epochs of 20 steps, a checkpoint every 10 steps.
std::string plain_mlp(int epochs = 3) { return plain_mlp_config(epochs, 10); }

std::string last_row(const fs::path& metrics) {
  const std::string text = read(metrics);
  const size_t end = text.rfind('\n', text.size() - 2);
  return text.substr(end == std::string::npos ? 0 : end + 1);
}

double field(const std::string& json_row, const std::string& name) {
  const size_t at = json_row.find("\"" + name + "\":");
  REQUIRE(at != std::string::npos);
  return std::stod(json_row.substr(at + name.size() + 3));
}

}  // namespace

TEST_CASE("data-parallel: 2 processes train what 1 process trains (60 steps, params within 1e-5); evaluation equals blox eval") {
  RunDir one, two;
  write(one.path / "mlp.yaml", plain_mlp());
  write(two.path / "mlp.yaml", plain_mlp());
  REQUIRE(blox(one.path, "train mlp.yaml --quiet").exit_code == 0);
  const Result dp = blox(two.path, "train mlp.yaml --nproc 2");
  INFO(dp.output);
  REQUIRE(dp.exit_code == 0);
  CHECK(dp.output.find("2 processes (--nproc launch)") != std::string::npos);
  // One rank printed: one summary line per epoch.
  CHECK(std::count(dp.output.begin(), dp.output.end(), '\n') < 12);
  const Checkpoint a = load_checkpoint((one.path / "run" / "last.safetensors").string());
  const Checkpoint b = load_checkpoint((two.path / "run" / "last.safetensors").string());
  CHECK(a.step == 60);
  CHECK(b.step == 60);
  CHECK(max_relative_difference(b.params, a.params) < 1e-5);
  CHECK(max_relative_difference(b.optimizer, a.optimizer) < 1e-4);
  // (Params bitwise equal on both ranks: every save checks it, or the run would have failed.)
  // The run's own evaluation (sharded over 2 ranks, sums all-reduced) equals a 1-process eval.
  const std::string row = last_row(two.path / "run" / "metrics.jsonl");
  const Result eval = blox(two.path, "eval run/last.safetensors --json");
  REQUIRE(eval.exit_code == 0);
  CHECK(field(row, "accuracy") == field(eval.output, "accuracy"));
  CHECK(field(row, "loss") == doctest::Approx(field(eval.output, "loss")).epsilon(1e-6));
}

TEST_CASE("data-parallel: SIGTERM to the launcher saves once on every rank, exits 143; resume with 2 and with 1 process") {
  RunDir dir;
  write(dir.path / "mlp.yaml", edited(plain_mlp(400), "every_steps: 10", "every_steps: 100"));
  const pid_t launcher = spawn_blox(dir.path, {"train", "mlp.yaml", "--quiet", "--nproc", "2"});
  wait_for_file(dir.path / "run" / "last.safetensors");
  ::kill(launcher, SIGTERM);
  REQUIRE(exit_code(launcher) == 143);
  const Checkpoint stopped = load_checkpoint((dir.path / "run" / "last.safetensors").string());
  CHECK(stopped.step < 8000);
  fs::copy(dir.path / "run", dir.path / "copy", fs::copy_options::recursive);
  // The same run goes on with 2 processes, and (from a copy) with 1: both to the end.
  const Result two = blox(dir.path, "train mlp.yaml --quiet --nproc 2 --resume run --set train.epochs=" +
                                        std::to_string(stopped.epoch + 2));
  INFO(two.output);
  CHECK(two.exit_code == 0);
  const Result one = blox(dir.path, "train mlp.yaml --quiet --resume copy --set checkpoint.dir=copy --set train.epochs=" +
                                        std::to_string(stopped.epoch + 2));
  INFO(one.output);
  CHECK(one.exit_code == 0);
  const Checkpoint a = load_checkpoint((dir.path / "run" / "last.safetensors").string());
  const Checkpoint b = load_checkpoint((dir.path / "copy" / "last.safetensors").string());
  CHECK(a.step == (stopped.epoch + 2) * 20);
  CHECK(b.step == a.step);
  CHECK(max_relative_difference(a.params, b.params) < 1e-4);
}

TEST_CASE("data-parallel: kill -9 of one worker ends the run; the launcher names the dead rank; checkpoints stay loadable") {
  RunDir dir;
  write(dir.path / "mlp.yaml", edited(plain_mlp(400), "every_steps: 10", "every_steps: 100") + "dist: {timeout_seconds: 10}\n");
  const pid_t launcher = spawn_blox(dir.path, {"train", "mlp.yaml", "--quiet", "--nproc", "2"});
  wait_for_file(dir.path / "run" / "last.safetensors");
  // The workers are the launcher's children; rank 1 is the younger.
  const Result children = run_command("pgrep -P " + std::to_string(launcher) + " | sort -n | tail -1");
  REQUIRE(!children.output.empty());
  const auto start = std::chrono::steady_clock::now();
  ::kill(std::stoi(children.output), SIGKILL);
  const int code = exit_code(launcher);
  CHECK(code != 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));  // timeout + 10 s
  const std::string output = read(dir.path / "output.txt");
  INFO(output);
  CHECK(output.find("worker rank 1 of 2") != std::string::npos);
  CHECK(output.find("killed by signal 9") != std::string::npos);
  CHECK(load_checkpoint((dir.path / "run" / "last.safetensors").string()).step % 20 == 0);  // an epoch's end
}

TEST_CASE("data-parallel: torchrun launches 2 blox workers that train one run") {
  if (run_command("command -v torchrun").exit_code != 0) {
    return skip_missing("torchrun (Debian's python3-torch) is not installed");
  }
  RunDir dir;
  write(dir.path / "mlp.yaml", plain_mlp(1));
  const Result r = run_command("cd '" + dir.path.string() + "' && OPENBLAS_NUM_THREADS=1 torchrun --standalone "
                               "--nproc_per_node=2 --no_python --redirects 1 --tee 1 '" + std::string(BLOX_BINARY) +
                               "' train mlp.yaml --quiet");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(load_checkpoint((dir.path / "run" / "last.safetensors").string()).step == 20);
  CHECK(lines(dir.path / "run" / "metrics.jsonl") == 1);
}

TEST_CASE("under torchrun a failing worker writes its error where the agent reads it (TORCHELASTIC_ERROR_FILE)") {
  RunDir dir;
  write(dir.path / "mlp.yaml", plain_mlp(1) + "bogus: 1\n");
  const fs::path error_file = dir.path / "error.json";
  const Result r = run_command("cd '" + dir.path.string() + "' && TORCHELASTIC_ERROR_FILE='" + error_file.string() +
                               "' '" + std::string(BLOX_BINARY) + "' train mlp.yaml");
  CHECK(r.exit_code == 2);
  const std::string text = read(error_file);
  CHECK(text.find("\"message\":{\"extraInfo\"") != std::string::npos);
  CHECK(text.find("ConfigError: ") != std::string::npos);
  CHECK(text.find("unknown key 'bogus'") != std::string::npos);
}

TEST_CASE("data-parallel: batch-norm statistics are averaged over ranks: an input batch norm's running mean is 1 process's") {
  // A batch norm on the inputs sees what it would see in one process, split in two halves: the
  // average of the halves' running means is the whole batch's (the mean is linear, and the
  // statistics do not depend on the params). Rank 0's own statistics alone would differ.
  const std::string config =
      edited(edited(plain_mlp(1), "    - {type: flatten}\n", "    - {type: batch_norm, name: input_norm}\n    - {type: flatten}\n"),
             "{type: normalize, mean: [0.286], std: [0.353]}", "{type: normalize, mean: [0], std: [1]}");
  RunDir one, two;
  write(one.path / "mlp.yaml", config);
  write(two.path / "mlp.yaml", config);
  REQUIRE(blox(one.path, "train mlp.yaml --quiet").exit_code == 0);
  const Result dp = blox(two.path, "train mlp.yaml --quiet --nproc 2");
  REQUIRE_MESSAGE(dp.exit_code == 0, dp.output);
  const Checkpoint a = load_checkpoint((one.path / "run" / "last.safetensors").string());
  const Checkpoint b = load_checkpoint((two.path / "run" / "last.safetensors").string());
  const at::Tensor mean_one = a.params["model/input_norm/mean"].value.to(at::kDouble);
  const at::Tensor mean_two = b.params["model/input_norm/mean"].value.to(at::kDouble);
  CHECK(mean_one.abs().max().item<double>() > 0.1);  // it moved from its zeros (one channel: the pixels' mean)
  CHECK(((mean_two - mean_one).norm() / mean_one.norm()).item<double>() < 1e-5);
}

TEST_CASE("data-parallel: a run of 1 process resumed with 2 ends where 1 process ends") {
  RunDir dir, whole;
  write(dir.path / "mlp.yaml", plain_mlp());
  write(whole.path / "mlp.yaml", plain_mlp());
  REQUIRE(blox(whole.path, "train mlp.yaml --quiet").exit_code == 0);
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet --set train.max_steps=30").exit_code == 0);
  const Result resumed = blox(dir.path, "train mlp.yaml --quiet --nproc 2 --resume run --set train.max_steps=0");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  const Checkpoint a = load_checkpoint((whole.path / "run" / "last.safetensors").string());
  const Checkpoint b = load_checkpoint((dir.path / "run" / "last.safetensors").string());
  CHECK(b.step == 60);
  CHECK(max_relative_difference(b.params, a.params) < 1e-5);
  CHECK(max_relative_difference(b.optimizer, a.optimizer) < 1e-4);
}
