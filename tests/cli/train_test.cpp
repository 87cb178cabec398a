// blox train / eval end to end on the shipped Fashion-MNIST subset: CI gates, exact resume
// after SIGTERM, fine-tuning with a frozen body, damaged checkpoints.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/helpers.h"
#include "support/run_helpers.h"

namespace fs = std::filesystem;
using namespace bx;
using namespace bx::test;


TEST_CASE("blox train then eval: checkpoints and metrics files, an assertion that passes and one that fails") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(3, 0));
  const Result train = blox(dir.path, "train mlp.yaml --quiet");
  REQUIRE(train.exit_code == 0);
  for (const char* f : {"config.yaml", "metrics.jsonl", "metrics.csv", "last.safetensors", "ckpt-000000060.safetensors"}) {
    CAPTURE(f);
    CHECK(fs::exists(dir.path / "run" / f));
  }
  std::ifstream jsonl(dir.path / "run" / "metrics.jsonl");
  CHECK(std::count(std::istreambuf_iterator<char>(jsonl), std::istreambuf_iterator<char>(), '\n') == 3);
  const Result pass = blox(dir.path, "eval mlp.yaml --checkpoint run/last.safetensors --assert 'accuracy>=0.5'");
  CHECK(pass.exit_code == 0);
  CHECK(pass.output.find("PASS accuracy>=0.5") != std::string::npos);
  const Result fail = blox(dir.path, "eval mlp.yaml --checkpoint run/last.safetensors --assert 'accuracy>=0.99'");
  CHECK(fail.exit_code == 1);
  CHECK(fail.output.find("FAIL accuracy>=0.99") != std::string::npos);
  const Result typo = blox(dir.path, "eval mlp.yaml --checkpoint run/last.safetensors --assert 'acuracy>=0.5'");
  CHECK(typo.exit_code == 2);
  // The checkpoint alone: its stored config gives the same metrics.
  const Result alone = blox(dir.path, "eval run/last.safetensors --json");
  const Result with_config = blox(dir.path, "eval mlp.yaml --checkpoint run/last.safetensors --json");
  REQUIRE(alone.exit_code == 0);
  CHECK(alone.output == with_config.output);
  CHECK(alone.output.find("\"accuracy\"") != std::string::npos);
}

namespace {

// Interrupts a run with `signal` after its first checkpoint, resumes it, and compares it with an
// uninterrupted run: params, optimizer state, best-metric memory and metrics rows.
void check_exact_resume(int signal, int expected_exit_code) {
  RunDir straight, interrupted;
  const std::string config = mlp_config(150, 100);
  write(straight.path / "mlp.yaml", config);
  write(interrupted.path / "mlp.yaml", config);
  REQUIRE(blox(straight.path, "train mlp.yaml --quiet").exit_code == 0);

  const pid_t pid = spawn_train(interrupted.path, "mlp.yaml");
  wait_for_file(interrupted.path / "run" / "last.safetensors");
  ::kill(pid, signal);
  REQUIRE(exit_code(pid) == expected_exit_code);
  REQUIRE(load_checkpoint((interrupted.path / "run" / "last.safetensors").string()).step < 3000);

  const Result resumed = blox(interrupted.path, "train mlp.yaml --quiet --resume run");
  REQUIRE(resumed.exit_code == 0);
  const Checkpoint a = load_checkpoint((straight.path / "run" / "last.safetensors").string());
  const Checkpoint b = load_checkpoint((interrupted.path / "run" / "last.safetensors").string());
  CHECK(a.step == 3000);
  CHECK(b.step == 3000);
  CHECK(bitwise_equal(a.params, b.params));
  CHECK(bitwise_equal(a.optimizer, b.optimizer));
  // The keep_best memory came back with the checkpoint: same best value, same best file.
  CHECK(a.tracking == b.tracking);
  CHECK(a.tracking.count("keep_best/best/accuracy") == 1);
  CHECK(load_checkpoint((straight.path / "run" / "best.safetensors").string()).step ==
        load_checkpoint((interrupted.path / "run" / "best.safetensors").string()).step);
  // Rows after the resumed step were dropped, so each epoch has exactly one row.
  CHECK(lines(straight.path / "run" / "metrics.jsonl") == 150);
  CHECK(lines(interrupted.path / "run" / "metrics.jsonl") == 150);
  CHECK(lines(interrupted.path / "run" / "metrics.csv") == 151);
}

}  // namespace

TEST_CASE("blox train: SIGTERM mid-run (exit 143 after a save), then --resume, ends bitwise equal to an uninterrupted run") {
  check_exact_resume(SIGTERM, 143);
}

TEST_CASE("blox train: kill -9 mid-run, then --resume from the last checkpoint, ends bitwise equal") {
  check_exact_resume(SIGKILL, -1);
}

namespace {
// Starts a run of slow steps (a wide layer, big batches) with a checkpoint after each, printing
// its messages to dir/output.txt, and returns once its first checkpoint exists: signals then
// land mid-step or mid-save.
pid_t start_slow_run(const fs::path& dir) {
  write(dir / "mlp.yaml",
        edited(edited(mlp_config(100, 1), "batch_size: 50", "batch_size: 500"), "output_size: 32", "output_size: 4096"));
  const pid_t pid = spawn_train(dir, "mlp.yaml", /*quiet=*/false);
  wait_for_file(dir / "run" / "last.safetensors");
  return pid;
}
}  // namespace

TEST_CASE("blox train: SIGUSR1 saves and goes on; SIGINT saves and exits 130") {
  RunDir dir;
  const pid_t pid = start_slow_run(dir.path);
  ::kill(pid, SIGUSR1);
  wait_for_file(dir.path / "output.txt", "SIGUSR1: checkpoint saved at step ");
  ::kill(pid, SIGINT);
  CHECK(exit_code(pid) == 130);
  const std::string output = read(dir.path / "output.txt");
  const size_t stopped = output.find("stopped by SIGINT at step ");
  REQUIRE(stopped != std::string::npos);
  const int64_t step = std::stoll(output.substr(stopped + 26));
  CHECK(load_checkpoint((dir.path / "run" / "last.safetensors").string()).step == step);
}

TEST_CASE("blox train: a second SIGINT exits at once (130, no save) and leaves every checkpoint readable") {
  RunDir dir;
  const pid_t pid = start_slow_run(dir.path);
  ::kill(pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // two SIGINTs at once would merge into one
  ::kill(pid, SIGINT);
  CHECK(exit_code(pid) == 130);
  CHECK(read(dir.path / "output.txt").find("stopped by SIGINT") == std::string::npos);  // it did not wait to save
  int checkpoints = 0;
  for (const auto& entry : fs::directory_iterator(dir.path / "run")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("ckpt-", 0) != 0 && name != "last.safetensors" && name != "best.safetensors") continue;
    CAPTURE(name);
    CHECK_NOTHROW(load_checkpoint(entry.path().string()));
    ++checkpoints;
  }
  CHECK(checkpoints >= 2);
  const Result resumed = blox(dir.path, "train mlp.yaml --quiet --resume run --set train.max_steps=3");
  CHECK(resumed.exit_code == 0);
}

TEST_CASE("blox train: a NaN loss stops the run naming the step; the checkpoint before it is intact") {
  RunDir dir;
  write(dir.path / "mlp.yaml", edited(mlp_config(5, 1), "optimizer: {type: adam, learning_rate: 0.003}", "optimizer: {type: sgd, learning_rate: 100}"));
  const Result r = blox(dir.path, "train mlp.yaml --quiet");
  CHECK(r.exit_code == 1);
  const size_t at = r.output.find("the loss became ");
  REQUIRE(at != std::string::npos);
  const size_t step_at = r.output.find(" at step ", at);
  REQUIRE(step_at != std::string::npos);
  const int64_t bad_step = std::stoll(r.output.substr(step_at + 9));
  CHECK(bad_step >= 2);
  CHECK(r.output.find("hint: lower the learning rate") != std::string::npos);
  CHECK(load_checkpoint((dir.path / "run" / "last.safetensors").string()).step == bad_step - 1);
}

TEST_CASE("blox train: eval_every_steps adds a metrics row per evaluation; best points at the best one") {
  RunDir dir;
  write(dir.path / "mlp.yaml", edited(mlp_config(2, 0), "log_every_steps: 0", "log_every_steps: 0, eval_every_steps: 5"));
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet").exit_code == 0);
  // 20 steps an epoch: evaluations at steps 5, 10, ..., 40 (20 and 40 are the epochs' own).
  std::ifstream jsonl(dir.path / "run" / "metrics.jsonl");
  std::vector<std::pair<int64_t, double>> rows;
  for (std::string line; std::getline(jsonl, line);) {
    const size_t step = line.find("\"step\":"), accuracy = line.find("\"accuracy\":");
    REQUIRE(step != std::string::npos);
    REQUIRE(accuracy != std::string::npos);
    rows.emplace_back(std::stoll(line.substr(step + 7)), std::stod(line.substr(accuracy + 11)));
  }
  REQUIRE(rows.size() == 8);
  for (size_t i = 0; i < rows.size(); ++i) CHECK(rows[i].first == 5 * static_cast<int64_t>(i + 1));
  const auto best = std::max_element(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.second < b.second; });
  const Checkpoint best_file = load_checkpoint((dir.path / "run" / "best.safetensors").string());
  CHECK(best_file.step == best->first);
  CHECK(best_file.tracking.at("keep_best/best/accuracy") == doctest::Approx(best->second).epsilon(1e-9));
}

TEST_CASE("blox train: on a terminal one progress line is redrawn with an ETA; off a terminal, plain lines") {
  RunDir dir;
  write(dir.path / "mlp.yaml", edited(mlp_config(2, 0), "log_every_steps: 0", "log_every_steps: 10"));
  const Result plain = blox(dir.path, "train mlp.yaml");
  REQUIRE(plain.exit_code == 0);
  CHECK(plain.output.find('\r') == std::string::npos);
  CHECK(plain.output.find("epoch 1/2  step 10/40  loss ") != std::string::npos);
  CHECK(plain.output.find("epoch 2/2  step 30/40  loss ") != std::string::npos);
  CHECK(plain.output.find("  ETA ") != std::string::npos);
  // A metrics row every 10 steps too: steps 10 and 30 without an evaluation, 20 and 40 with one.
  const std::string rows = read(dir.path / "run" / "metrics.jsonl");
  CHECK(std::count(rows.begin(), rows.end(), '\n') == 4);
  CHECK(rows.find("\"step\":10,\"train_loss\"") != std::string::npos);
  CHECK(rows.find("\"step\":30,\"train_loss\"") != std::string::npos);
  CHECK(rows.find("\"loss\":") < rows.find("\"step\":20,"));
  // `script` (util-linux, in every Debian) runs blox on a pseudo-terminal.
  const Result tty = test::run_command("cd '" + dir.path.string() + "' && script -qec \"OPENBLAS_NUM_THREADS=1 '" +
                                       std::string(BLOX_BINARY) + "' train mlp.yaml --set checkpoint.dir=tty\" /dev/null");
  REQUIRE(tty.exit_code == 0);
  CHECK(tty.output.find("\r\033[Kepoch 1/2  step 1/40  loss ") != std::string::npos);
  CHECK(tty.output.find("step 40/40") != std::string::npos);
  CHECK(tty.output.find("\r\033[Kepoch   2  step     40  train loss") != std::string::npos);
}

TEST_CASE("blox train: fine-tuning keeps the frozen body bitwise unchanged and trains a new head") {
  RunDir dir;
  write(dir.path / "base.yaml", mlp_config(2, 0));
  REQUIRE(blox(dir.path, "train base.yaml --quiet").exit_code == 0);
  const std::string finetune =
      "include: base.yaml\n"
      "model:\n  layers:\n    - {type: flatten}\n    - {type: linear, name: hidden, output_size: 32}\n"
      "    - {type: relu}\n    - {type: linear, name: head2, output_size: classes}\n"
      "finetune: {init_from: run/last.safetensors, freeze: [model/hidden]}\n"
      "checkpoint: {dir: tuned, every_steps: 1}\n"
      "seed: 4\n";
  write(dir.path / "tune.yaml", finetune);
  const Result dry = blox(dir.path, "train tune.yaml --dry-run");
  CHECK(dry.exit_code == 0);
  // Per module: the frozen body, the new head (32 * 10 + 10), the Rng's state.
  CHECK(dry.output.find("model/hidden           0       25120           0\n") != std::string::npos);
  CHECK(dry.output.find("model/head2          330           0           0\n") != std::string::npos);
  CHECK(dry.output.find("total                330       25120           2\n") != std::string::npos);
  const Result tuned = blox(dir.path, "train tune.yaml");
  REQUIRE(tuned.exit_code == 0);
  CHECK(tuned.output.find("2 copied, 2 new, 0 skipped (shape), 2 in the checkpoint unused; 2 Rng params from this "
                          "run's seed") != std::string::npos);
  const Checkpoint base = load_checkpoint((dir.path / "run" / "last.safetensors").string());
  const Checkpoint first = load_checkpoint((dir.path / "tuned" / "ckpt-000000001.safetensors").string());
  const Checkpoint last = load_checkpoint((dir.path / "tuned" / "last.safetensors").string());
  for (const char* p : {"model/hidden/kernel", "model/hidden/bias"}) {
    CAPTURE(p);
    CHECK_FALSE(last.params[p].trainable);
    CHECK(at::equal(last.params[p].value, base.params[p].value));
  }
  CHECK(last.params["model/head2/kernel"].trainable);
  CHECK_FALSE(at::equal(last.params["model/head2/kernel"].value, first.params["model/head2/kernel"].value));
  CHECK_FALSE(last.optimizer.contains("optim/adam/mu/model/hidden/kernel"));
  // Dropout follows the fine-tuning run's own seed, not the base run's Rng state.
  const Checkpoint fresh_seed = load_checkpoint((dir.path / "tuned" / "ckpt-000000001.safetensors").string());
  CHECK_FALSE(at::equal(fresh_seed.params["model/rng/seed"].value, base.params["model/rng/seed"].value));
}

TEST_CASE("blox train --resume: a truncated last checkpoint is reported and the previous one is used") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(2, 10));
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet").exit_code == 0);
  const fs::path last = dir.path / "run" / "last.safetensors";  // a hard link to ckpt-40
  fs::resize_file(last, fs::file_size(last) - 100);
  const Result inspect = blox(dir.path, "inspect run/last.safetensors");
  CHECK(inspect.exit_code == 1);
  CHECK(inspect.output.find("(truncated?)") != std::string::npos);
  write(dir.path / "mlp.yaml", mlp_config(3, 10));
  const Result resumed = blox(dir.path, "train mlp.yaml --quiet --resume run");
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.output.find("cannot resume from") != std::string::npos);
  CHECK(load_checkpoint(last.string()).step == 60);
}

TEST_CASE("blox train: early stopping ends the run when the watched metric stops improving") {
  RunDir dir;
  std::string config = mlp_config(10, 0);
  config = edited(config, "learning_rate: 0.003", "learning_rate: 0.0");  // nothing can improve
  config = edited(config, "train: {epochs: 10,", "train: {epochs: 10, early_stopping_metric: accuracy, early_stopping_patience: 2,");
  write(dir.path / "mlp.yaml", config);
  const Result r = blox(dir.path, "train mlp.yaml");
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("early stopping: accuracy did not improve") != std::string::npos);
  std::ifstream jsonl(dir.path / "run" / "metrics.jsonl");
  CHECK(std::count(std::istreambuf_iterator<char>(jsonl), std::istreambuf_iterator<char>(), '\n') == 3);
  CHECK(load_checkpoint((dir.path / "run" / "last.safetensors").string()).epoch == 3);
}

TEST_CASE("blox train: accumulate 2 batches of 25 updates as one batch of 50 does") {
  RunDir dir;
  auto config = [](int batch, int accumulate) {
    std::string c = mlp_config(1, 0);
    c = edited(c, "batch_size: 50", "batch_size: " + std::to_string(batch));
    c = edited(c, "    - {type: random_horizontal_flip}\n", "");
    c = edited(c, "    - {type: dropout, rate: 0.2}\n", "");
    c = edited(c, "log_every_steps: 0", "log_every_steps: 0, accumulate: " + std::to_string(accumulate));
    return c;
  };
  fs::create_directories(dir.path / "big");
  fs::create_directories(dir.path / "small");
  write(dir.path / "big" / "mlp.yaml", config(50, 1));
  write(dir.path / "small" / "mlp.yaml", config(25, 2));
  REQUIRE(blox(dir.path / "big", "train mlp.yaml --quiet").exit_code == 0);
  REQUIRE(blox(dir.path / "small", "train mlp.yaml --quiet").exit_code == 0);
  const Checkpoint big = load_checkpoint((dir.path / "big" / "run" / "last.safetensors").string());
  const Checkpoint small = load_checkpoint((dir.path / "small" / "run" / "last.safetensors").string());
  CHECK(big.step == 20);
  CHECK(small.step == 20);
  for (const char* p : {"model/hidden/kernel", "model/logits/bias"}) {
    CAPTURE(p);
    CHECK(test::close(small.params[p].value, big.params[p].value, 1e-4));
  }
}

TEST_CASE("blox train: a new run into a directory holding an earlier run is refused, leaving it untouched") {
  RunDir dir;
  train_mlp(dir.path, 1);
  const std::string last = read(dir.path / "run" / "last.safetensors"), rows = read(dir.path / "run" / "metrics.jsonl");
  const Result again = blox(dir.path, "train mlp.yaml --quiet");
  CHECK(again.exit_code == 2);
  CHECK(again.output.find("checkpoint.dir 'run' already holds a run") != std::string::npos);
  CHECK(again.output.find("--resume run") != std::string::npos);
  CHECK(read(dir.path / "run" / "last.safetensors") == last);
  CHECK(read(dir.path / "run" / "metrics.jsonl") == rows);
  // Elsewhere, or as a resume, it runs.
  CHECK(blox(dir.path, "train mlp.yaml --quiet --set checkpoint.dir=run2").exit_code == 0);
  CHECK(blox(dir.path, "train mlp.yaml --quiet --resume run --set train.epochs=2").exit_code == 0);
}

TEST_CASE("blox predict: one row per example whose accuracy is eval's; JSONL probabilities; unlabelled IDX input") {
  RunDir dir;
  train_mlp(dir.path, 1);
  const Result csv = blox(dir.path, "predict run/last.safetensors -o predictions.csv");
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.output.find("500 predictions written to predictions.csv") != std::string::npos);
  std::ifstream rows(dir.path / "predictions.csv");
  std::string line;
  REQUIRE(std::getline(rows, line));
  CHECK(line == "index,prediction,probability,label");
  int64_t count = 0, correct = 0;
  while (std::getline(rows, line)) {
    std::stringstream fields(line);
    std::string index, prediction, probability, label;
    std::getline(fields, index, ',');
    std::getline(fields, prediction, ',');
    std::getline(fields, probability, ',');
    std::getline(fields, label, ',');
    CHECK(std::stoll(index) == count);
    CHECK(std::stod(probability) > 0.1);  // the top class of 10
    correct += prediction == label ? 1 : 0;
    ++count;
  }
  CHECK(count == 500);
  const Result eval = blox(dir.path, "eval run/last.safetensors --json");
  const size_t at = eval.output.find("\"accuracy\": ");
  REQUIRE(at != std::string::npos);
  CHECK(static_cast<double>(correct) / 500.0 == doctest::Approx(std::stod(eval.output.substr(at + 12))).epsilon(1e-9));

  const Result jsonl = blox(dir.path, "predict mlp.yaml --checkpoint run/last.safetensors --format jsonl --data train");
  REQUIRE(jsonl.exit_code == 0);
  CHECK(std::count(jsonl.output.begin(), jsonl.output.end(), '\n') == 1000);
  CHECK(jsonl.output.find("{\"index\":0,\"label\":") == 0);
  CHECK(jsonl.output.find("\"probabilities\":[") != std::string::npos);

  const std::string images = test::source_path("datasets/fashion-mnist-subset/t10k-images-idx3-ubyte.gz");
  const Result unlabelled = blox(dir.path, "predict run/last.safetensors --input " + images + " -o plain.csv");
  REQUIRE(unlabelled.exit_code == 0);
  const std::string plain = read(dir.path / "plain.csv");
  CHECK(plain.rfind("index,prediction,probability\n0,", 0) == 0);
  CHECK(std::count(plain.begin(), plain.end(), '\n') == 501);

  // A bad input file: a clear error naming it, and the earlier output is left as it was.
  const Result bad = blox(dir.path, "predict run/last.safetensors --input missing.gz -o plain.csv");
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("missing.gz") != std::string::npos);
  CHECK(read(dir.path / "plain.csv") == plain);
}

TEST_CASE("blox plot: the run's curves as an SVG a browser opens; a missing run is a clear error") {
  RunDir dir;
  train_mlp(dir.path, 3);
  const Result plot = blox(dir.path, "plot run");
  REQUIRE(plot.exit_code == 0);
  CHECK(plot.output == "run/metrics.svg\n");
  const std::string svg = read(dir.path / "run" / "metrics.svg");
  CHECK(svg.find(">test loss</text>") != std::string::npos);  // the evaluated split, named
  CHECK(svg.find(">test accuracy</text>") != std::string::npos);
  CHECK(svg.find(">accuracy</text>") != std::string::npos);
  CHECK(std::count(svg.begin(), svg.end(), '\n') > 20);
  // Well-formed XML, checked by an independent parser.
  const Result parsed = test::run_command("/usr/bin/python3 -c \"import sys, xml.etree.ElementTree as E; "
                                          "print(len(E.parse(sys.argv[1]).getroot()))\" '" +
                                          (dir.path / "run" / "metrics.svg").string() + "'");
  CHECK(parsed.exit_code == 0);
  const Result missing = blox(dir.path, "plot nowhere");
  CHECK(missing.exit_code == 1);
  CHECK(missing.output.find("nowhere: cannot open") != std::string::npos);
  // Several runs overlaid in one picture, each legend naming its run and split.
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet --set checkpoint.dir=run2 --set data.validation_fraction=0.2").exit_code == 0);
  const Result both = blox(dir.path, "plot run run2/ -o both.svg");
  REQUIRE_MESSAGE(both.exit_code == 0, both.output);
  const std::string overlaid = read(dir.path / "both.svg");
  for (const char* legend : {">run train loss</text>", ">run test loss</text>", ">run2 validation loss</text>",
                             ">run test accuracy</text>", ">run2 validation accuracy</text>", ">run2 lr</text>"}) {
    CHECK_MESSAGE(overlaid.find(legend) != std::string::npos, legend);
  }
  const Result no_output = blox(dir.path, "plot run run2");
  CHECK(no_output.exit_code == 2);
  CHECK(no_output.output.find("-o FILE.svg is required") != std::string::npos);
}

TEST_CASE("text runs: eval uses the checkpoint's vocabulary; resume refuses a changed training text") {
  RunDir dir;
  std::string text;
  for (int i = 0; i < 300; ++i) text += "the cat sat on the mat. ";
  write(dir.path / "corpus.txt", text);
  write(dir.path / "lm.yaml",
        "seed: 1\nthreads: 1\n"
        "data: {format: text, train: corpus.txt, validation_fraction: 0.2, sequence_length: 16, batch_size: 16}\n"
        "model:\n  layers:\n    - {type: embedding, name: embed, features: 8}\n"
        "    - {type: linear, name: logits, output_size: classes}\n"
        "metrics: [loss, perplexity]\noptimizer: {type: adam, learning_rate: 0.01}\n"
        "train: {epochs: 2, log_every_steps: 0}\ncheckpoint: {dir: run}\n");
  REQUIRE(blox(dir.path, "train lm.yaml --quiet").exit_code == 0);
  const Result before = blox(dir.path, "eval run/last.safetensors --data validation --json");
  REQUIRE(before.exit_code == 0);
  CHECK(before.output.find("\"perplexity\"") != std::string::npos);

  // The same number of distinct characters, one of them another: ids would silently shift.
  std::string changed = text;
  std::replace(changed.begin(), changed.end(), 'c', 'z');
  write(dir.path / "corpus.txt", changed);
  const Result eval = blox(dir.path, "eval run/last.safetensors --data validation");
  CHECK(eval.exit_code == 2);
  CHECK(eval.output.find("character 'z'") != std::string::npos);
  CHECK(eval.output.find("is not in the vocabulary of 11 characters") != std::string::npos);
  const Result resume = blox(dir.path, "train lm.yaml --quiet --resume run --set train.epochs=3");
  CHECK(resume.exit_code == 1);
  CHECK(resume.output.find("the training text changed") != std::string::npos);

  write(dir.path / "corpus.txt", text);
  CHECK(blox(dir.path, "eval run/last.safetensors --data validation --json").output == before.output);
}

TEST_CASE("blox bench: milliseconds per phase on a real batch, as JSON; nothing written") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));
  const Result r = blox(dir.path, "bench mlp.yaml --iterations 3 --warmup 1 --json");
  REQUIRE(r.exit_code == 0);
  auto ms = [&](const std::string& phase) {
    const size_t at = r.output.find("\"" + phase + "\": ");
    REQUIRE(at != std::string::npos);
    return std::stod(r.output.substr(at + phase.size() + 4));
  };
  CHECK(ms("forward (train)") > 0);
  CHECK(ms("forward + backward") > ms("forward (eval)"));
  CHECK(ms("train step") > 0);
  CHECK(r.output.find("\"batch_size\": 50") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path / "run"));
  const Result bad = blox(dir.path, "bench mlp.yaml --iterations 0");
  CHECK(bad.exit_code == 2);
}

TEST_CASE("--device cuda without a GPU: a clear error from every command that computes, nothing written") {
  if (at::hasCUDA()) return skip_inapplicable("a GPU is visible, so --device cuda works here");
#ifdef BLOX_WITH_CUDA
  const std::string expected = "device 'cuda': this build has CUDA, but no GPU is visible";
#else
  const std::string expected = "device 'cuda': this build of libtorch has no CUDA support";
#endif
  RunDir dir;
  train_mlp(dir.path, 1);
  for (const std::string args : {"train mlp.yaml --device cuda --set checkpoint.dir=run_cuda",
                                 "eval run/last.safetensors --device cuda", "predict run/last.safetensors --device cuda",
                                 "bench mlp.yaml --device cuda --iterations 1"}) {
    CAPTURE(args);
    const Result r = blox(dir.path, args);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(expected) != std::string::npos);
  }
  CHECK_FALSE(fs::exists(dir.path / "run_cuda"));
  // auto falls back to the CPU.
  CHECK(blox(dir.path, "eval run/last.safetensors --device auto").exit_code == 0);
}

TEST_CASE("blox train: finetune.freeze_batch_stats keeps a frozen batch norm's running statistics bit-equal") {
  for (const bool fixed : {true, false}) {
    CAPTURE(fixed);
    RunDir dir;
    write(dir.path / "mlp.yaml",
          edited(mlp_config(1, 1), "    - {type: flatten}\n", "    - {type: batch_norm, name: bn}\n    - {type: flatten}\n") +
              "finetune: {freeze: [model/bn], freeze_batch_stats: " + (fixed ? "true" : "false") + "}\n");
    const Result r = blox(dir.path, "train mlp.yaml --quiet --set train.max_steps=3");
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    // The statistics after the first and the third step: equal with the setting, moved without it.
    const Checkpoint first = load_checkpoint((dir.path / "run" / "ckpt-000000001.safetensors").string());
    const Checkpoint third = load_checkpoint((dir.path / "run" / "ckpt-000000003.safetensors").string());
    const bool kept = at::equal(first.params["model/bn/mean"].value, third.params["model/bn/mean"].value) &&
                      at::equal(first.params["model/bn/var"].value, third.params["model/bn/var"].value) &&
                      third.params["model/bn/mean"].value.eq(0).all().item<bool>();  // never fed a batch's mean
    CHECK(kept == fixed);
  }
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0) + "finetune: {freeze: [model/hidden], freeze_batch_stats: true}\n");
  const Result none = blox(dir.path, "validate mlp.yaml");
  CHECK(none.exit_code == 2);
  CHECK(none.output.find("error: finetune.freeze_batch_stats: no freeze glob selects a batch-norm layer's running "
                         "statistics") != std::string::npos);
}
