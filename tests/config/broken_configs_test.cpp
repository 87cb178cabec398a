// Broken configs through the real CLI: each gives its exact diagnostic (file:line:column, key
// path, expected/got, "did you mean"), exit code 2, and leaves no file behind.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "support/cli_runner.h"
#include "support/files.h"
#include "support/helpers.h"

namespace fs = std::filesystem;

namespace {

// A valid config; cases replace lines (1-based) or append new ones.
std::vector<std::string> base_lines() {
  const std::string subset = bx::test::source_path("datasets/fashion-mnist-subset");
  return {"data:",
          "  format: idx",
          "  train: " + subset + "/train-images-idx3-ubyte.gz",
          "  train_labels: " + subset + "/train-labels-idx1-ubyte.gz",
          "  classes: 10",
          "  batch_size: 32",
          "model:",
          "  layers:",
          "    - {type: flatten}",
          "    - {type: linear, name: hidden, output_size: 16}",
          "    - {type: relu}",
          "    - {type: linear, name: logits, output_size: classes}",
          "optimizer: {type: sgd, learning_rate: 0.1}",
          "train: {epochs: 1}"};
}

struct Case {
  std::map<int, std::string> replace;  // line -> new text ("" deletes nothing: use a comment)
  std::vector<std::string> append;
  std::vector<std::string> flags;       // extra CLI flags
  std::string expected;                 // must appear in stderr; "{}" stands for the config path
};

using Result = bx::test::CommandResult;

void check_case(const Case& c) {
  const fs::path dir = fs::temp_directory_path() / fs::path("blox_broken_" + std::to_string(std::rand()));
  fs::create_directories(dir);
  std::vector<std::string> lines = base_lines();
  for (const auto& [line, text] : c.replace) lines[static_cast<size_t>(line - 1)] = text;
  lines.insert(lines.end(), c.append.begin(), c.append.end());
  const fs::path config = dir / "run.yaml";
  {
    std::ofstream out(config);
    for (const auto& l : lines) out << l << "\n";
  }
  std::string flags;
  for (const auto& f : c.flags) flags += " '" + f + "'";
  const Result r = bx::test::run_blox("validate run.yaml" + flags, dir.string());
  std::string expected = c.expected;
  const size_t brace = expected.find("{}");
  if (brace != std::string::npos) expected.replace(brace, 2, "run.yaml");
  CAPTURE(r.output);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(expected) != std::string::npos);
  fs::remove(config);
  CHECK(fs::is_empty(dir));  // nothing was written
  fs::remove_all(dir);
}

}  // namespace

TEST_CASE("broken configs: the base config is valid") {
  const fs::path dir = fs::temp_directory_path() / "blox_base_config";
  fs::create_directories(dir);
  std::ofstream(dir / "run.yaml") << [] {
    std::string text;
    for (const auto& l : base_lines()) text += l + "\n";
    return text;
  }();
  const Result r = bx::test::run_blox("validate run.yaml", dir.string());
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("run.yaml: OK") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("broken configs: typos in keys get a 'did you mean'") {
  check_case({{}, {"sed: 1"}, {}, "{}:15:1: error: sed: unknown key 'sed' (hint: did you mean 'seed'?)"});
  check_case({{{6, "  batch_sise: 32"}}, {}, {},
              "{}:6:3: error: data.batch_sise: unknown key 'batch_sise' (hint: did you mean 'batch_size'?)"});
  check_case({{{10, "    - {type: linear, name: hidden, output_size: 16, use_bais: false}"}}, {}, {},
              "{}:10:53: error: model.layers[1].use_bais: unknown key 'use_bais' (hint: did you mean 'use_bias'?)"});
  check_case({{}, {"loss: {type: cross_entropy, label_smothing: 0.1}"}, {},
              "{}:15:29: error: loss.label_smothing: unknown key 'label_smothing' (hint: did you mean 'label_smoothing'?)"});
}

TEST_CASE("broken configs: unknown names of types, optimizers, formats, initializers, devices") {
  check_case({{{9, "    - {type: flaten}"}}, {}, {},
              "{}:9:14: error: model.layers[0].type: unknown layer type 'flaten' (known types: "});
  check_case({{{9, "    - {type: flaten}"}}, {}, {}, "(hint: did you mean 'flatten'?)"});
  check_case({{{13, "optimizer: {type: sdg, learning_rate: 0.1}"}}, {}, {},
              "{}:13:19: error: optimizer.type: unknown optimizer 'sdg' (known types: adagrad, adam, adamw, lion, "
              "rmsprop, sgd) (hint: did you mean 'sgd'?)"});
  // An unknown type is the only error: its other keys are not reported as unknown.
  check_case({{{13, "optimizer: {type: sdg, learning_rate: 0.1}"}}, {}, {}, "1 error in config"});
  check_case({{{2, "  format: idz"}}, {}, {},
              "{}:2:11: error: data.format: expected one of idx, csv, text, image_folder, image_list, got 'idz' (hint: did you mean 'idx'?)"});
  check_case({{{10, "    - {type: linear, name: hidden, output_size: 16, kernel_init: he_normall}"}}, {}, {},
              "{}:10:66: error: model.layers[1].kernel_init: unknown initializer 'he_normall'"});
  check_case({{{10, "    - {type: linear, name: hidden, output_size: 16, kernel_init: {type: variance_scaling, mode: fan_inn}}"}},
              {}, {},
              "{}:10:97: error: model.layers[1].kernel_init.mode: expected one of fan_in, fan_out, fan_avg, got 'fan_inn' "
              "(hint: did you mean 'fan_in'?)"});
  check_case({{}, {"device: gpu"}, {}, "{}:15:9: error: device: expected one of cpu, cuda, auto, got 'gpu'"});
  check_case({{}, {"metrics: [loss, acuracy]"}, {}, "{}:15:10: error: metrics: unknown metric 'acuracy'"});
}

TEST_CASE("broken configs: a name in other case, or another library's name for a key, gets the right hint") {
  check_case({{{11, "    - {type: RELU}"}}, {}, {}, "(hint: did you mean 'relu'?)"});
  check_case({{{13, "optimizer: {type: sgd, lr: 0.1}"}}, {}, {},
              "{}:13:24: error: optimizer.lr: unknown key 'lr' (hint: did you mean 'learning_rate'?)"});
  check_case({{{6, "  bs: 32"}}, {}, {}, "{}:6:3: error: data.bs: unknown key 'bs' (hint: did you mean 'batch_size'?)"});
  check_case({{{14, "train: {epoch: 1}"}}, {}, {}, "error: train.epoch: unknown key 'epoch' (hint: did you mean 'epochs'?)"});
  check_case({{{13, "optimizer: {type: adamw, wd: 0.1}"}}, {}, {}, "(hint: did you mean 'weight_decay'?)"});
}

TEST_CASE("broken configs: a missing required key is one error, not one per reader or a follow-on") {
  check_case({{{12, "    - {type: tied_output}"}}, {}, {},
              "{}:12:7: error: model.layers[3]: missing required key 'embedding'\n1 error in config"});
}

TEST_CASE("broken configs: a no_decay pattern that selects no param is an error, as a freeze pattern's is") {
  check_case({{{13, "optimizer: {type: adamw, learning_rate: 0.1, no_decay: [\"**/bias\", model/hiden/bias]}"}}, {}, {},
              "error: optimizer.no_decay: no_decay pattern 'model/hiden/bias' selects no param among 6; hint: did you "
              "mean 'model/hidden/bias'?\n1 error in config"});
}

TEST_CASE("broken configs: lr_mult entries need a glob that selects a param and a mult >= 0") {
  check_case({{{13, "optimizer: {type: sgd, learning_rate: 0.1, lr_mult: [{params: model/hiden/**, mult: 0.1}]}"}}, {}, {},
              "error: optimizer.lr_mult: lr_mult pattern 'model/hiden/**' selects no param among 6"});
  check_case({{{13, "optimizer: {type: sgd, learning_rate: 0.1, lr_mult: [{params: model/hidden/**, mult: -1}]}"}}, {}, {},
              "error: optimizer.lr_mult[0].mult: expected a multiplier in [0, 1e6], got -1"});
  check_case({{{13, "optimizer: {type: sgd, learning_rate: 0.1, lr_mult: [{mult: 0.5}]}"}}, {}, {},
              "error: optimizer.lr_mult[0]: missing required key 'params'"});
}

TEST_CASE("broken configs: wrong types") {
  check_case({{{6, "  batch_size: many"}}, {}, {}, "{}:6:15: error: data.batch_size: expected an integer, got 'many'"});
  check_case({{{14, "train: {epochs: two}"}}, {}, {}, "{}:14:17: error: train.epochs: expected an integer, got 'two'"});
  check_case({{{13, "optimizer: {type: sgd, learning_rate: 0.1, momentum: high}"}}, {}, {},
              "{}:13:54: error: optimizer.momentum: expected a number, got 'high'"});
  check_case({{{9, "    - {type: conv2d, output_channels: 4, padding: sometimes}"}}, {}, {},
              "{}:9:51: error: model.layers[0].padding: expected an integer or a list of them, got 'sometimes'"});
  check_case({{{8, "  layers: {type: flatten}"}, {9, "#"}, {10, "#"}, {11, "#"}, {12, "#"}}, {}, {},
              "{}:8:11: error: model.layers: expected a list, got a mapping"});
  // A string tag keeps a number a string; an empty value is not the default.
  check_case({{}, {"seed: !!str 0"}, {}, "{}:15:7: error: seed: expected an integer, got the string '0' (tagged !!str)"});
  check_case({{{14, "train: {epochs: !!str 1}"}}, {}, {}, "train.epochs: expected an integer, got the string '1'"});
  check_case({{{6, "  batch_size:"}}, {}, {},
              "{}:6:3: error: data.batch_size: expected an integer, got null (for the default, leave the key out)"});
  // One broken data key is one error: the format-dependent keys are still read as that format's.
  check_case({{}, {}, {"--set", "data.test=null"},
              "--set data.test=null: error: data.test: expected a string, got null (for the default, leave the key "
              "out)\n1 error in config"});
}

TEST_CASE("broken configs: values out of range") {
  check_case({{{6, "  batch_size: -4"}}, {}, {}, "{}:6:15: error: data.batch_size: expected an integer > 0, got -4"});
  check_case({{{11, "    - {type: dropout, rate: 1.5}"}}, {}, {},
              "{}:11:29: error: model.layers[2].rate: expected a value in [0, 1), got 1.5"});
  check_case({{{10, "    - {type: linear, name: hidden, output_size: 0}"}}, {}, {},
              "{}:10:49: error: model.layers[1].output_size: expected an integer > 0, got 0"});
  check_case({{{13, "optimizer: {type: sgd, learning_rate: -0.1}"}}, {}, {},
              "{}:13:39: error: optimizer.learning_rate: expected a value in [0, 100], got -0.1"});
  // Not-a-number and infinite settings are refused, not silently used (clipping off, a diverging rate).
  check_case({{{13, "optimizer: {type: sgd, learning_rate: .inf}"}}, {}, {},
              "{}:13:39: error: optimizer.learning_rate: expected a value in [0, 100], got inf"});
  check_case({{{13, "optimizer: {type: sgd, learning_rate: 1e30}"}}, {}, {},
              "{}:13:39: error: optimizer.learning_rate: expected a value in [0, 100], got 1e+30"});
  check_case({{}, {"schedule: {type: cosine, final_lr: 1e9}"}, {},
              "final_lr 1000000000 is above the learning rate 0.1"});
  check_case({{{14, "train: {epochs: 1, clip_grad_norm: .nan}"}}, {}, {},
              "train.clip_grad_norm: expected a value >= 0, got nan"});
  check_case({{{14, "train: {epochs: 0}"}}, {}, {}, "{}:14:17: error: train.epochs: expected an integer > 0, got 0"});
  check_case({{}, {"loss: {type: cross_entropy, label_smoothing: 1.5}"}, {},
              "{}:15:46: error: loss.label_smoothing: expected a value in [0, 1), got 1.5"});
  check_case({{{9, "    - {type: conv2d, output_channels: 4, kernel_size: [3, 3, 3]}"}}, {}, {},
              "{}:9:55: error: model.layers[0].kernel_size: Conv2D 'model/conv2d_0': kernel_size needs 1 or 2 values, got 3"});
  check_case({{{14, "train: {epochs: 1, eval_every_steps: -5}"}}, {}, {},
              "{}:14:38: error: train.eval_every_steps: expected an integer >= 0, got -5"});
  check_case({{}, {"finetune:", "  rename: [{from: model/*/kernel, to: model/*/w}]"}, {},
              "{}:16:39: error: finetune.rename[0].to: 'model/*/kernel' -> 'model/*/w': a wildcard in 'to' must be a "
              "trailing '/**'"});
}

TEST_CASE("broken configs: missing keys, missing files, bad structure") {
  check_case({{{10, "    - {type: linear, name: hidden}"}}, {}, {},
              "{}:10:7: error: model.layers[1]: missing required key 'output_size'"});
  check_case({{{3, "  train: /nonexistent/train.gz"}}, {}, {},
              "{}:3:10: error: data.train: data file '/nonexistent/train.gz' does not exist"});
  check_case({{}, {"include: missing.yaml"}, {}, "include: no such file"});
  check_case({{{10, "    - {type: linear, name: hidden, output_size: 16"}}, {}, {}, "{}:12:5: error: YAML syntax: illegal block entry"});
  check_case({{{12, "    - {type: linear, name: hidden, output_size: classes}"}}, {}, {},
              "{}:12:28: error: model.layers[3].name: graph node 'model/hidden' is already bound to a Linear"});
  check_case({{{12, "    - {type: tied_output, embedding: embed}"}}, {}, {},
              "{}:12:38: error: model.layers[3].embedding: no layer 'embed' is built before this one"});
  check_case({{}, {"checkpoint: {keep_best: acuracy}"}, {},
              "{}:15:25: error: checkpoint.keep_best: 'acuracy' is not among the run's metrics (loss, accuracy)"});
  check_case({{}, {"finetune: {freeze: [model/conv*]}"}, {},
              "{}:15:20: error: finetune.freeze: freeze pattern 'model/conv*' selects no param"});
}

TEST_CASE("broken configs: impossible shapes found on the dummy pass name the layer and both shapes") {
  check_case({{{9, "    - {type: conv1d, output_channels: 4}"}}, {}, {},
              "model layer 'conv1d_0': impossible shapes on the dummy pass with input [2, 1, 28, 28] (the example twice): Conv1D "
              "'model/conv1d_0': expected input (B, C, L), got shape [2, 1, 28, 28]"});
  check_case({{{11, "    - {type: group_norm, groups: 3}"}}, {}, {},
              "GroupNorm 'model/group_norm_2': expected input (B, C, ...) with C divisible by groups 3, got shape [2, 16]"});
}

TEST_CASE("broken configs: bad overrides") {
  check_case({{}, {}, {"--set", "train.epochs"}, "--set 'train.epochs': expected key.path=value"});
  check_case({{}, {}, {"--set", "train.epoch=3"},
              "--set train.epoch=3: error: train.epoch: unknown key 'epoch' (hint: did you mean 'epochs'?)"});
  check_case({{}, {}, {"--set", "model.layers[7].rate=0.1"}, "--set 'model.layers[7].rate=0.1': 'model.layers.7' has 4 items"});
  check_case({{}, {}, {"--set", "train.epochs=[1"}, "--set 'train.epochs=[1': the value is not valid YAML"});
}

TEST_CASE("broken configs: all problems are reported in one run") {
  check_case({{{6, "  batch_size: -4"}, {9, "    - {type: flaten}"}, {14, "train: {epochs: two}"}}, {}, {}, "3 errors in config"});
}
