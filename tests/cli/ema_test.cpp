// train.ema end to end on the subset MLP: the average after every update (checked checkpoint by
// checkpoint against the formula), bitwise resume, eval / predict / export on the EMA weights
// (--no-ema: the raw params), init_from a checkpoint with averages, and config errors.
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/io/checkpoint.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

namespace {

Checkpoint at_step(const fs::path& run, int step) {
  return load_checkpoint((run / fmt::format("ckpt-{:09d}.safetensors", step)).string());
}

// The decay of the update making step t, written out: warmup min(decay, (1 + t) / (10 + t)).
double decay_at(double decay, int t) { return std::min(decay, (1.0 + t) / (10.0 + t)); }

// `c` with only its model params: the averages dropped (what --no-ema must run).
Checkpoint without_averages(Checkpoint c) {
  c.params = c.params.filter([](const std::string& path, const Param&) { return path.rfind("ema/", 0) != 0; });
  return c;
}

// `c` with each param that has an average holding that average, the averages dropped (what eval
// must run by default).
Checkpoint averages_as_params(Checkpoint c) {
  const Params all = c.params;
  c = without_averages(c);
  c.params = c.params.map([&](const std::string& path, const Param& p) {
    const Param* average = all.find("ema/" + path);
    return average != nullptr ? average->value : p.value;
  });
  return c;
}

// A finished subset-MLP run with train.ema in dir/run.
void train_with_ema(const fs::path& dir, int epochs, const std::string& sets = "") {
  write(dir / "mlp.yaml", mlp_config(epochs, 0));
  const Result train = blox(dir, "train mlp.yaml --quiet --set train.ema.decay=0.9 " + sets);
  REQUIRE_MESSAGE(train.exit_code == 0, train.output);
}

// A subset-MLP run with train.ema in dir/run, and beside it its last checkpoint as what eval must
// run by default (averaged.safetensors) and with --no-ema (raw.safetensors).
void train_with_variants(const fs::path& dir) {
  train_with_ema(dir, 1);
  const Checkpoint trained = last_checkpoint(dir / "run");
  save_checkpoint((dir / "averaged.safetensors").string(), averages_as_params(trained));
  save_checkpoint((dir / "raw.safetensors").string(), without_averages(trained));
}

// `blox eval ARGS --json`'s report (after what went to stderr: a fine-tuning start's table).
nlohmann::json eval_json(const fs::path& dir, const std::string& args) {
  const Result eval = blox(dir, "eval " + args + " --json");
  REQUIRE_MESSAGE(eval.exit_code == 0, eval.output);
  return nlohmann::json::parse(eval.output.substr(eval.output.find('{')));
}

}  // namespace

TEST_CASE("blox train with train.ema: after each update (not each micro-batch) ema = d * ema + (1 - d) * params; "
          "frozen params get none; inspect lists the averages as state") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 1));
  const Result train = blox(dir.path, "train mlp.yaml --quiet --set train.ema.decay=0.8 --set train.accumulate=2 "
                                      "--set 'finetune.freeze=[model/hidden]'");
  REQUIRE_MESSAGE(train.exit_code == 0, train.output);
  const fs::path run = dir.path / "run";
  REQUIRE(last_checkpoint(run).step == 10);  // 20 batches, 2 per update
  const std::vector<std::string> averaged{"model/logits/kernel", "model/logits/bias"};
  for (int t = 2; t <= 10; ++t) {
    CAPTURE(t);
    const Params before = at_step(run, t - 1).params, after = at_step(run, t).params;
    const double d = decay_at(0.8, t);
    for (const auto& path : averaged) {
      CAPTURE(path);
      const at::Tensor expected = d * before.at("ema/" + path).value.to(at::kDouble) +
                                  (1 - d) * after.at(path).value.to(at::kDouble);
      CHECK(test::close(after.at("ema/" + path).value.to(at::kDouble), expected, 1e-6));
    }
    CHECK_FALSE(after.contains("ema/model/hidden/kernel"));  // frozen: no average
  }
  const Params final_params = last_checkpoint(run).params;
  CHECK_FALSE(test::close(final_params.at("ema/model/logits/kernel").value,
                          final_params.at("model/logits/kernel").value, 1e-3));

  const Result inspect = blox(dir.path, "inspect run/last.safetensors --json");
  REQUIRE_MESSAGE(inspect.exit_code == 0, inspect.output);
  const nlohmann::json table = nlohmann::json::parse(inspect.output);
  int averages = 0;
  for (const auto& row : table.at("params")) {
    if (row.at("path").get<std::string>().rfind("ema/", 0) != 0) continue;
    ++averages;
    CHECK(row.at("role") == "state");
  }
  CHECK(averages == 2);
}

TEST_CASE("EMA resume bitwise: a run stopped at max_steps and resumed ends with the straight run's averages, params "
          "and optimizer state") {
  RunDir straight, stopped;
  train_with_ema(straight.path, 2);
  train_with_ema(stopped.path, 2, "--set train.max_steps=13");  // mid-epoch
  REQUIRE(last_checkpoint(stopped.path / "run").step == 13);
  const Result resumed = blox(stopped.path, "train --quiet --resume run --set train.max_steps=0");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  const Checkpoint a = last_checkpoint(straight.path / "run"), b = last_checkpoint(stopped.path / "run");
  CHECK(a.step == 40);
  CHECK(b.step == 40);
  REQUIRE(a.params.contains("ema/model/hidden/kernel"));
  CHECK(bitwise_equal(a.params, b.params));  // the averages among them
  CHECK(bitwise_equal(a.optimizer, b.optimizer));
}

TEST_CASE("data-parallel with train.ema: 2 processes average what 1 process averages (within 1e-5); every save "
          "checked the averages bitwise equal on both ranks") {
  // Without dropout and augmentation, so both runs train the same steps up to float summation order.
  const std::string plain = plain_mlp_config(1, 10);
  RunDir one, two;
  write(one.path / "mlp.yaml", plain);
  write(two.path / "mlp.yaml", plain);
  const std::string args = "train mlp.yaml --quiet --set train.ema.decay=0.9";
  REQUIRE(blox(one.path, args).exit_code == 0);
  const Result dp = blox(two.path, args + " --nproc 2");
  REQUIRE_MESSAGE(dp.exit_code == 0, dp.output);
  const Params a = last_checkpoint(one.path / "run").params, b = last_checkpoint(two.path / "run").params;
  for (const char* path : {"ema/model/hidden/kernel", "ema/model/logits/bias"}) {
    CAPTURE(path);
    CHECK(test::close(b.at(path).value, a.at(path).value, 1e-5));
  }
}

TEST_CASE("blox eval runs a checkpoint's EMA weights, with --no-ema its raw params; the run's own evaluations "
          "(keep_best's) used the EMA weights") {
  RunDir dir;
  train_with_variants(dir.path);
  const nlohmann::json ema = eval_json(dir.path, "run/last.safetensors");
  const nlohmann::json raw = eval_json(dir.path, "run/last.safetensors --no-ema");
  CHECK(ema.at("ema") == true);
  CHECK(raw.at("ema") == false);
  CHECK(ema.at("metrics") == eval_json(dir.path, "averaged.safetensors").at("metrics"));
  CHECK(raw.at("metrics") == eval_json(dir.path, "raw.safetensors").at("metrics"));
  CHECK(ema.at("metrics").at("loss") != raw.at("metrics").at("loss"));
  CHECK(blox(dir.path, "eval run/last.safetensors").output.find("test split, step 20, EMA weights: ") !=
        std::string::npos);
  const std::string rows = read(dir.path / "run" / "metrics.jsonl");
  const auto row = nlohmann::json::parse(rows.substr(rows.rfind('\n', rows.size() - 2) + 1));
  CHECK(row.at("loss").get<double>() == doctest::Approx(ema.at("metrics").at("loss").get<double>()).epsilon(1e-6));
}

TEST_CASE("blox predict and export write a checkpoint's EMA weights' outputs, with --no-ema its raw params'") {
  RunDir dir;
  train_with_variants(dir.path);
  struct Output {
    std::string command, extension;
  };
  for (const Output& o : {Output{"predict", "csv"}, Output{"export", "onnx"}}) {
    CAPTURE(o.command);
    auto written = [&](const std::string& args, const std::string& name) {
      const Result r = blox(dir.path, o.command + " " + args + " -o " + name + "." + o.extension);
      REQUIRE_MESSAGE(r.exit_code == 0, r.output);
      if (o.command == "export") CHECK((r.output.find(", EMA weights)") != std::string::npos) == (name == "ema"));
      return read(dir.path / (name + "." + o.extension));
    };
    const std::string by_default = written("run/last.safetensors", "ema");
    const std::string no_ema = written("run/last.safetensors --no-ema", "no_ema");
    CHECK(by_default == written("averaged.safetensors", "averaged"));
    CHECK(no_ema == written("raw.safetensors", "raw"));
    CHECK(by_default != no_ema);
  }
}

TEST_CASE("finetune.init_from a checkpoint with averages: strict accepts it, the model imported is the EMA one, and "
          "the new run's average starts from it") {
  RunDir dir;
  train_with_ema(dir.path, 1);
  write(dir.path / "ft.yaml", edited(mlp_config(1, 0), "dir: run,", "dir: ft,") +
                                  "finetune: {init_from: run/last.safetensors, strict: true}\n");
  CHECK(eval_json(dir.path, "ft.yaml").at("metrics") == eval_json(dir.path, "run/last.safetensors").at("metrics"));
  CHECK(eval_json(dir.path, "ft.yaml --no-ema").at("metrics") ==
        eval_json(dir.path, "run/last.safetensors --no-ema").at("metrics"));

  const Result train = blox(dir.path, "train ft.yaml --quiet --set train.ema.decay=0.9 --set train.max_steps=1");
  REQUIRE_MESSAGE(train.exit_code == 0, train.output);
  const Params imported = last_checkpoint(dir.path / "run").params, after = last_checkpoint(dir.path / "ft").params;
  const double d = decay_at(0.9, 1);  // 2 / 11
  for (const char* path : {"model/hidden/kernel", "model/logits/bias"}) {
    CAPTURE(path);
    const at::Tensor expected = d * imported.at(std::string("ema/") + path).value.to(at::kDouble) +
                                (1 - d) * after.at(path).value.to(at::kDouble);
    CHECK(test::close(after.at(std::string("ema/") + path).value.to(at::kDouble), expected, 1e-6));
  }
}

TEST_CASE("train.ema: a decay outside (0, 1), a missing decay, a value that is no mapping or a misspelt key is a "
          "config error (exit 2, naming the key); a resume may not add an average") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));
  struct Refused {
    std::string sets, expected;
  };
  for (const Refused& r :
       {Refused{"--set train.ema.decay=1", "error: train.ema.decay: expected a value in (0, 1), got 1"},
        Refused{"--set train.ema.decay=0", "error: train.ema.decay: expected a value in (0, 1), got 0"},
        Refused{"--set train.ema.warmup=false", "train.ema: missing required key 'decay'"},
        Refused{"--set train.ema=0.999", "train.ema: expected a mapping, got '0.999'\n1 error in config"},
        Refused{"--set train.ema.decay=0.9 --set train.ema.warmpu=false",
                "train.ema.warmpu: unknown key 'warmpu' (hint: did you mean 'warmup'?)"},
        Refused{"--set train.emma.decay=0.9", "did you mean 'ema'?"}}) {
    CAPTURE(r.sets);
    const Result refused = blox(dir.path, "validate mlp.yaml " + r.sets);
    CHECK(refused.exit_code == 2);
    CHECK_MESSAGE(refused.output.find(r.expected) != std::string::npos, refused.output);
  }
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet").exit_code == 0);
  const Result added =
      blox(dir.path, "train mlp.yaml --quiet --resume run --set train.epochs=2 --set train.ema.decay=0.9");
  CHECK(added.exit_code == 2);
  CHECK_MESSAGE(added.output.find("train.ema: (absent) -> {decay: 0.9, warmup: true}") != std::string::npos,
                added.output);
}
