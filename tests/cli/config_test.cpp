// blox validate / inspect on the shipped configs, --print-config, --set and include.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/files.h"
#include "support/helpers.h"

namespace fs = std::filesystem;

namespace {

using Result = bx::test::CommandResult;

std::string config(const std::string& name) { return bx::test::source_path("configs/" + name); }

}  // namespace

TEST_CASE("blox validate: every shipped config builds, and reports its param counts") {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"fashion_mlp.yaml", "total: 235146 trainable, 0 frozen, 2 state; 940600 bytes"},
      {"fashion_cnn.yaml", "total: 421834 trainable, 0 frozen, 194 state; 1688120 bytes"},
      {"fashion_cnn_finetune.yaml", "total: 201418 trainable, 19008 frozen, 194 state; 882488 bytes"},
      {"char_lstm.yaml", "total: 354384 trainable, 0 frozen, 2 state; 1417552 bytes"},
      {"char_transformer.yaml", "total: 109392 trainable, 0 frozen, 2 state; 437584 bytes"},
  };
  for (const auto& entry : expected) {
    const std::string& name = entry.first;  // a plain variable: C++17 lambdas cannot capture bindings
    const std::string& totals = entry.second;
    CAPTURE(name);
    // The finetune config starts from the CNN's checkpoint: given one, it validates.
    const std::string set = name == "fashion_cnn_finetune.yaml"
                                ? " --set finetune.init_from='" + config("fashion_cnn.yaml") + "'"
                                : "";
    const Result r = bx::test::run_blox("validate '" + config(name) + "'" + set);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find(name + ": OK") != std::string::npos);
    CHECK(r.output.find(totals) != std::string::npos);
  }
}

TEST_CASE("blox validate: a finetune config whose init_from is missing is refused (train could not start)") {
  const Result r = bx::test::run_blox("validate '" + config("fashion_cnn_finetune.yaml") +
                        "' --set finetune.init_from=/nonexistent/ckpt.safetensors");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find("finetune.init_from: no checkpoint file at '/nonexistent/ckpt.safetensors'") !=
                    std::string::npos,
                r.output);
}

TEST_CASE("blox inspect --json: paths, shapes, roles and totals of the MLP") {
  const Result r = bx::test::run_blox("inspect --json '" + config("fashion_mlp.yaml") + "'");
  REQUIRE(r.exit_code == 0);
  const auto table = nlohmann::json::parse(r.output);
  const auto& rows = table["params"];
  REQUIRE(rows.size() == 8);
  CHECK(rows[0]["path"] == "model/rng/seed");
  CHECK(rows[0]["role"] == "state");
  CHECK(rows[2]["path"] == "model/hidden1/kernel");
  CHECK(rows[2]["shape"] == nlohmann::json::array({784, 256}));
  CHECK(rows[2]["dtype"] == "Float");
  CHECK(rows[2]["role"] == "trainable");
  CHECK(rows[2]["count"] == 200704);
  CHECK(rows[2]["bytes"] == 802816);
  CHECK(rows[7]["path"] == "model/logits/bias");
  CHECK(table["totals"]["trainable"] == 235146);
  CHECK(table["totals"]["state"] == 2);
  CHECK(table["totals"]["bytes"] == 940600);
}

TEST_CASE("blox inspect: the finetune config shows frozen convolutions") {
  const Result r = bx::test::run_blox("inspect '" + config("fashion_cnn_finetune.yaml") + "'");
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("model/conv1/kernel") != std::string::npos);
  CHECK(r.output.find("[32, 1, 3, 3]") != std::string::npos);
  CHECK(r.output.find("frozen") != std::string::npos);
  const Result checkpoint = bx::test::run_blox("inspect /nonexistent/none.safetensors");
  CHECK(checkpoint.exit_code == 1);
  CHECK(checkpoint.output.find("/nonexistent/none.safetensors: cannot open") != std::string::npos);
}

TEST_CASE("blox validate --print-config: overrides applied, defaults filled in, and it round-trips") {
  const Result r = bx::test::run_blox("validate '" + config("fashion_mlp.yaml") + "' --set train.epochs=3 --set data.batch_size=64 "
                        "--set 'model.layers[1].output_size=32' --print-config");
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("epochs: 3") != std::string::npos);
  CHECK(r.output.find("batch_size: 64") != std::string::npos);
  CHECK(r.output.find("name: hidden1, output_size: 32") != std::string::npos);
  CHECK(r.output.find("beta2: 0.999") != std::string::npos);       // a default, filled in
  CHECK(r.output.find("prefetch: 2") != std::string::npos);
  CHECK(r.output.find("include") == std::string::npos);            // merged away
  const fs::path resolved = fs::temp_directory_path() / "blox_resolved.yaml";
  std::ofstream(resolved) << r.output;
  const Result again = bx::test::run_blox("validate '" + resolved.string() + "'");
  CHECK(again.exit_code == 0);
  CHECK(again.output.find("total: 30634 trainable") != std::string::npos);  // 784*32+32 + 32*128+128 + 1290
  fs::remove(resolved);
}

TEST_CASE("include: the including file's values win; nested sections merge key by key") {
  const fs::path dir = fs::temp_directory_path() / "blox_include_test";
  fs::create_directories(dir);
  std::ofstream(dir / "base.yaml") << "train: {epochs: 5, log_every_steps: 7}\noptimizer: {type: sgd, learning_rate: 0.5}\n";
  std::ofstream(dir / "run.yaml") << "include: base.yaml\ninclude_not: 1\n";
  std::ofstream(dir / "child.yaml") << "include: [" << config("fashion_mlp.yaml") << ", base.yaml]\ntrain: {epochs: 2}\n";
  const Result r = bx::test::run_blox("validate '" + (dir / "child.yaml").string() + "' --print-config");
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("epochs: 2") != std::string::npos);
  CHECK(r.output.find("log_every_steps: 7") != std::string::npos);
  CHECK(r.output.find("type: sgd") != std::string::npos);
  const Result unknown = bx::test::run_blox("validate '" + (dir / "run.yaml").string() + "'");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output.find("run.yaml:2:1: error: include_not: unknown key 'include_not'") != std::string::npos);
  std::ofstream(dir / "loop.yaml") << "include: loop.yaml\n";
  CHECK(bx::test::run_blox("validate '" + (dir / "loop.yaml").string() + "'").output.find("include cycle") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("blox inspect CHECKPOINT: the table and JSON of a saved checkpoint") {
  const fs::path path = fs::temp_directory_path() / "blox_inspect_test.safetensors";
  bx::Checkpoint c;
  c.params = bx::Params()
                 .with("model/fc/kernel", bx::Param{at::ones({3, 2}), true, {}})
                 .with("model/rng/counter", bx::Param{at::scalar_tensor(int64_t{7}, at::kLong), false, {{"tag", "rng_counter"}}});
  c.optimizer = bx::Adam({}).init(c.params.split().first);
  c.step = 42;
  bx::save_checkpoint(path.string(), c);
  const Result r = bx::test::run_blox("inspect --json '" + path.string() + "'");
  REQUIRE(r.exit_code == 0);
  const auto table = nlohmann::json::parse(r.output);
  CHECK(table["step"] == 42);
  CHECK(table["params"][0]["path"] == "model/fc/kernel");
  CHECK(table["params"][0]["shape"] == nlohmann::json::array({3, 2}));
  CHECK(table["params"][1]["role"] == "state");
  CHECK(table["totals"]["trainable"] == 6);
  CHECK(table["optimizer"]["params"].size() == 3);
  const Result text = bx::test::run_blox("inspect '" + path.string() + "'");
  CHECK(text.output.find("step 42, epoch 0") != std::string::npos);
  fs::remove(path);
}

TEST_CASE("blox with a misspelled command: exit 2 naming it, with the command it most likely meant") {
  const Result typo = bx::test::run_blox("trian '" + config("fashion_mlp.yaml") + "'");
  CHECK(typo.exit_code == 2);
  CHECK_MESSAGE(typo.output.find("error: unknown command 'trian' (blox --help lists them); hint: did you mean "
                                 "'train'?") != std::string::npos,
                typo.output);
  const Result far = bx::test::run_blox("zzzzzz");
  CHECK(far.exit_code == 2);
  CHECK(far.output.find("error: unknown command 'zzzzzz' (blox --help lists them)\n") != std::string::npos);
}

TEST_CASE("--set key=\"\" sets an empty string (the shell passes key=), not nothing") {
  for (const char* empty : {"checkpoint.keep_best=", "'checkpoint.keep_best=\"\"'"}) {
    CAPTURE(empty);
    const Result r = bx::test::run_blox("validate '" + config("fashion_mlp.yaml") + "' --set " + empty + " --print-config");
    CHECK_MESSAGE(r.exit_code == 0, r.output);
    CHECK(r.output.find("keep_best: \"\"") != std::string::npos);
    CHECK(r.output.find("keep_best: accuracy") == std::string::npos);
  }
}
