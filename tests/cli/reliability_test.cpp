// Hostile and unlucky cases end to end: a run directory has one trainer, a killed save leaves
// nothing behind, a max_steps stop resumes exactly, eval refuses a checkpoint of another model,
// and no libtorch frames reach the user.
#include <signal.h>

#include "blox/io/checkpoint.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

TEST_CASE("a second trainer on a run directory is refused with the first one's pid; killed before its first save, --resume starts over") {
  RunDir dir;
  // Saves only after its last epoch: killed midway, it leaves metrics rows and no checkpoint.
  write(dir.path / "mlp.yaml", edited(edited(mlp_config(200, 0), "keep_best: accuracy}", "every_epochs: 0}"),
                                      "log_every_steps: 0}", "log_every_steps: 0, eval_every_epochs: 0}"));
  const pid_t first = spawn_train(dir.path, "mlp.yaml");
  wait_for_file(dir.path / "run" / "metrics.jsonl", "\"step\":40");
  const Result second = blox(dir.path, "train mlp.yaml --quiet --resume run");
  CHECK(second.exit_code == 2);
  CHECK_MESSAGE(second.output.find("is in use by another blox train (pid " + std::to_string(first) + ")") !=
                    std::string::npos,
                second.output);
  ::kill(first, SIGKILL);
  exit_code(first);
  // kill -9 released the lock, and before its first save: --resume starts the run over in place.
  REQUIRE_FALSE(fs::exists(dir.path / "run" / "last.safetensors"));
  const Result again = blox(dir.path, "train mlp.yaml --resume run --set train.epochs=1");
  REQUIRE_MESSAGE(again.exit_code == 0, again.output);
  CHECK(again.output.find("holds no checkpoint yet (the run stopped before its first save): starting it from the "
                          "beginning") != std::string::npos);
  CHECK(load_checkpoint((dir.path / "run" / "last.safetensors").string()).step == 20);
  CHECK(lines(dir.path / "run" / "metrics.jsonl") == 1);  // the one epoch's row, none of the killed start's
}

TEST_CASE("a run stopped by max_steps resumes from the batch it stopped at: bitwise the straight run") {
  RunDir straight, stopped;
  const std::string config = mlp_config(2, 0);
  write(straight.path / "mlp.yaml", config);
  write(stopped.path / "mlp.yaml", config);
  REQUIRE(blox(straight.path, "train mlp.yaml --quiet").exit_code == 0);
  REQUIRE(blox(stopped.path, "train mlp.yaml --quiet --set train.max_steps=7").exit_code == 0);
  const Checkpoint at_stop = load_checkpoint((stopped.path / "run" / "last.safetensors").string());
  CHECK(at_stop.step == 7);
  CHECK(at_stop.loader.epoch == 0);  // mid-epoch, not the next epoch's start
  CHECK(at_stop.loader.batch == 7);
  // Resuming with the same limit has nothing to do.
  REQUIRE(blox(stopped.path, "train mlp.yaml --quiet --resume run --set train.max_steps=7").exit_code == 0);
  CHECK(load_checkpoint((stopped.path / "run" / "last.safetensors").string()).step == 7);
  REQUIRE(blox(stopped.path, "train mlp.yaml --quiet --resume run").exit_code == 0);
  const Checkpoint a = load_checkpoint((straight.path / "run" / "last.safetensors").string());
  const Checkpoint b = load_checkpoint((stopped.path / "run" / "last.safetensors").string());
  CHECK(a.step == b.step);
  CHECK(bitwise_equal(a.params, b.params));
  CHECK(bitwise_equal(a.optimizer, b.optimizer));
}

TEST_CASE("the partial file of a killed save is removed when the directory is next trained") {
  RunDir dir;
  train_mlp(dir.path, 1);
  const fs::path partial = dir.path / "run" / ".ckpt-000000099.safetensors.tmp-AbC123";
  write(partial, std::string(4096, 'x'));
  const Result resumed = blox(dir.path, "train mlp.yaml --resume run --set train.epochs=2");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  CHECK_FALSE(fs::exists(partial));
  CHECK(resumed.output.find("removed 1 partial checkpoint file(s)") != std::string::npos);
}

TEST_CASE("eval refuses a checkpoint that lacks a model param or holds it in another dtype") {
  RunDir dir;
  train_mlp(dir.path, 1);
  const Checkpoint c = load_checkpoint((dir.path / "run" / "last.safetensors").string());
  Checkpoint missing = c;
  missing.params = c.params.filter([](const std::string& path, const Param&) { return path != "model/hidden/kernel"; });
  save_checkpoint((dir.path / "missing.safetensors").string(), missing);
  Checkpoint relabelled = c;
  relabelled.params = c.params.with_value("model/hidden/kernel", c.params["model/hidden/kernel"].value.to(at::kInt));
  save_checkpoint((dir.path / "relabelled.safetensors").string(), relabelled);
  for (const auto& [file, expected] : {std::pair{"missing.safetensors", "holds no 'model/hidden/kernel'"},
                                      std::pair{"relabelled.safetensors", "'model/hidden/kernel' is Int"}}) {
    const Result eval = blox(dir.path, std::string("eval ") + file);
    CHECK(eval.exit_code == 1);
    CHECK_MESSAGE(eval.output.find(expected) != std::string::npos, eval.output);
    CHECK(eval.output.find("accuracy") == std::string::npos);
  }
}

TEST_CASE("a model larger than this machine's memory is refused before allocating, naming the param") {
  RunDir dir;
  write(dir.path / "big.yaml", edited(mlp_config(1, 0), "output_size: 32", "output_size: 4000000000"));
  const Result run = blox(dir.path, "validate big.yaml");
  CHECK(run.exit_code == 2);
  CHECK_MESSAGE(run.output.find("Linear 'model/hidden': param 'model/hidden/kernel' of shape [784, 4000000000] needs "
                                "1.25e+04 GB, more than this machine's") != std::string::npos,
                run.output);
  CHECK(run.output.find("frame #") == std::string::npos);
}

TEST_CASE("an error blox did not foresee shows its first line, no C++ frames") {
  RunDir dir;
  // A padding so wide that the activation cannot be allocated (the params fit): libtorch's
  // allocator fails on the dummy pass.
  write(dir.path / "wide.yaml", edited(mlp_config(1, 0), "- {type: flatten}",
                                       "- {type: conv2d, output_channels: 8, kernel_size: 3, padding: 100000}\n"
                                       "    - {type: flatten}"));
  const Result run = blox(dir.path, "validate wide.yaml");
  CHECK(run.exit_code != 0);
  CHECK_MESSAGE(run.output.find("frame #") == std::string::npos, run.output);
  CHECK(run.output.find("terminate called") == std::string::npos);
  CHECK_MESSAGE(run.output.find("error: [enforce fail") != std::string::npos, run.output);
  CHECK(run.output.find("can't allocate memory") != std::string::npos);
  CHECK(run.output.find("(BLOX_DEBUG=1 shows the details)") != std::string::npos);
}

TEST_CASE("validate reads every data file and checks checkpoint.dir as train would: after its OK, train starts") {
  RunDir dir;
  const std::string config = mlp_config(1, 0);
  write(dir.path / "mlp.yaml", config);
  const Result ok = blox(dir.path, "validate mlp.yaml");
  REQUIRE_MESSAGE(ok.exit_code == 0, ok.output);
  CHECK(ok.output.find("data: ") != std::string::npos);
  // A labels file cut short: train would refuse it, so validate does.
  const std::string labels = test::source_path("datasets/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz");
  const std::string gz = read(labels);
  write(dir.path / "cut.gz", gz.substr(0, gz.size() - 8));
  write(dir.path / "cut.yaml", edited(config, labels, (dir.path / "cut.gz").string()));
  const Result cut = blox(dir.path, "validate cut.yaml");
  CHECK(cut.exit_code == 2);
  CHECK_MESSAGE(cut.output.find("cut.gz: damaged gzip data: unexpected end of file") != std::string::npos, cut.output);
  // checkpoint.dir: a file, or below a file.
  write(dir.path / "taken", "a file");
  for (const std::string at : {"taken", "taken/run"}) {
    const Result bad = blox(dir.path, "validate mlp.yaml --set checkpoint.dir=" + at);
    CHECK(bad.exit_code == 2);
    CHECK_MESSAGE(bad.output.find("is a file, not a") != std::string::npos, bad.output);
    CHECK(blox(dir.path, "train mlp.yaml --quiet --set checkpoint.dir=" + at).exit_code == 2);
  }
  const Result empty = blox(dir.path, "validate mlp.yaml --set 'checkpoint.dir=\"\"'");
  CHECK(empty.exit_code == 2);
  CHECK_MESSAGE(empty.output.find("checkpoint.dir: expected a directory, got \"\"") != std::string::npos, empty.output);
}

TEST_CASE("a text run whose sequence_length exceeds its text is refused before the dummy pass") {
  RunDir dir;
  write(dir.path / "lm.yaml",
        "data:\n  format: text\n  train: " + test::source_path("datasets/licenses-corpus/corpus.txt") +
            "\n  sequence_length: 1000000000\n  batch_size: 4\n"
            "model:\n  layers:\n    - {type: embedding, features: 8}\n    - {type: linear, output_size: classes}\n"
            "optimizer: {type: adam, learning_rate: 0.001}\ntrain: {epochs: 1}\ncheckpoint: {dir: run}\n");
  const Result run = blox(dir.path, "validate lm.yaml");
  CHECK(run.exit_code == 2);
  CHECK_MESSAGE(run.output.find("too short for data.sequence_length 1000000000") != std::string::npos, run.output);
}
