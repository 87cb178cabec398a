// Tabular data end to end: categories and standardize statistics fitted on the training data,
// kept in the run's config and used by eval and predict; new rows without labels; the shipped
// configs on Debian's sklearn data reach their documented figures.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

namespace {

const char* kSklearnData = "/usr/lib/python3/dist-packages/sklearn/datasets/data";

// "size,colour,label": the label is 1 exactly for red, whatever the size (sizes in the hundreds:
// without standardize the net would hardly see the colour).
std::string shop_csv(int rows, int offset) {
  const char* colours[] = {"red", "green", "blue"};
  std::string out = "size,colour,label\n";
  for (int i = 0; i < rows; ++i) {
    const int c = (i * 7 + offset) % 3;
    out += fmt::format("{},{},{}\n", 100 + (i * 37 + offset) % 400, colours[c], c == 0 ? 1 : 0);
  }
  return out;
}

const char* kShopConfig =
    "seed: 2\nthreads: 1\n"
    "data: {format: csv, train: train.csv, test: test.csv, label: label, classes: 2, categorical: [colour],\n"
    "       batch_size: 16, transforms: [{type: standardize}]}\n"
    "model:\n  layers:\n    - {type: linear, output_size: 8}\n    - {type: relu}\n"
    "    - {type: linear, output_size: classes}\n"
    "optimizer: {type: adam, learning_rate: 0.05}\n"
    "train: {epochs: 15, log_every_steps: 0}\n"
    "checkpoint: {dir: run}\n";

double eval_accuracy(const fs::path& dir, const std::string& args) {
  const Result r = blox(dir, "eval " + args + " --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return nlohmann::json::parse(r.output.substr(r.output.find('{')))["metrics"]["accuracy"].get<double>();
}

}  // namespace

TEST_CASE("tabular: fitted categories and statistics live in the run's config; eval and predict use them") {
  RunDir run;
  write(run.path / "train.csv", shop_csv(120, 0));
  write(run.path / "test.csv", shop_csv(30, 1));
  write(run.path / "shop.yaml", kShopConfig);
  const Result trained = blox(run.path, "train shop.yaml");
  REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
  const std::string stored = read(run.path / "run" / "config.yaml");
  CHECK_MESSAGE(stored.find("categories: {colour: [blue, green, red]}") != std::string::npos, stored);
  CHECK_MESSAGE(stored.find("{type: standardize, mean: [") != std::string::npos, stored);
  const double alone = eval_accuracy(run.path, "run/last.safetensors");
  CHECK(alone == 1.0);

  // The training file changes afterwards (far larger sizes): a refit would move the statistics,
  // yet a YAML config with the checkpoint still evaluates with those the model was trained with.
  write(run.path / "train.csv", shop_csv(120, 0) + "50000,blue,0\n90000,green,0\n");
  const Result refit = blox(run.path, "validate shop.yaml --print-config");
  REQUIRE_MESSAGE(refit.exit_code == 0, refit.output);
  const auto statistics = [](const std::string& config) { return config.substr(config.find("{type: standardize")); };
  CHECK(statistics(refit.output).substr(0, 60) != statistics(stored).substr(0, 60));
  CHECK(eval_accuracy(run.path, "shop.yaml --checkpoint run/last.safetensors") == alone);

  // New rows without the label column: real inference.
  write(run.path / "new.csv", "size,colour\n150,red\n480,blue\n");
  const Result predicted = blox(run.path, "predict run/last.safetensors --input new.csv --format jsonl");
  REQUIRE_MESSAGE(predicted.exit_code == 0, predicted.output);
  CHECK_MESSAGE(predicted.output.find("\"prediction\":1") != std::string::npos, predicted.output);
  CHECK_MESSAGE(predicted.output.find("\"prediction\":0") != std::string::npos, predicted.output);
  CHECK(predicted.output.find("\"label\"") == std::string::npos);

  // A value the training file never had is an error naming file, line and column.
  write(run.path / "odd.csv", "size,colour\n150,purple\n");
  const Result odd = blox(run.path, "predict run/last.safetensors --input odd.csv");
  CHECK(odd.exit_code == 2);  // bad input data
  CHECK_MESSAGE(odd.output.find("odd.csv:2: column 2 ('colour') has 'purple', not among the 3 categories") !=
                    std::string::npos,
                odd.output);
}

TEST_CASE("tabular: config errors of the csv keys are located") {
  RunDir run;
  write(run.path / "train.csv", shop_csv(20, 0));
  write(run.path / "bad.yaml", edited(kShopConfig, "categorical: [colour],",
                                      "categorical: [colour], delimiter: ';;', fill_missing: often,"));
  const Result bad = blox(run.path, "validate bad.yaml");
  CHECK(bad.exit_code == 2);
  CHECK_MESSAGE(bad.output.find("data.delimiter: expected one character, tab or whitespace, got ';;'") !=
                    std::string::npos,
                bad.output);
  CHECK_MESSAGE(bad.output.find("data.fill_missing: expected error or a finite number, got 'often'") !=
                    std::string::npos,
                bad.output);
  write(run.path / "shape.yaml", edited(kShopConfig, "categorical: [colour],", "categorical: [colour], shape: [2, -1, -1],"));
  const Result shape = blox(run.path, "validate shape.yaml");  // not a libtorch view error later
  CHECK(shape.exit_code == 2);
  CHECK_MESSAGE(shape.output.find("data.shape: expected an integer > 0, got -1") != std::string::npos, shape.output);
  CHECK_MESSAGE(shape.output.find("not fitted") == std::string::npos, shape.output);  // no follow-on noise
  write(run.path / "nan.yaml", edited(kShopConfig, "categorical: [colour],", "categorical: [colour], fill_missing: nan,"));
  const Result nan = blox(run.path, "validate nan.yaml");
  CHECK(nan.exit_code == 2);
  CHECK_MESSAGE(nan.output.find("data.fill_missing: expected error or a finite number, got 'nan'") != std::string::npos,
                nan.output);
  write(run.path / "second.yaml",
        edited(kShopConfig, "transforms: [{type: standardize}]",
               "transforms: [{type: normalize, mean: [0], std: [1]}, {type: standardize}]"));
  const Result second = blox(run.path, "validate second.yaml");
  CHECK(second.exit_code == 2);
  CHECK_MESSAGE(second.output.find("standardize must be the first transform") != std::string::npos, second.output);
}

TEST_CASE("tabular: the shipped sklearn-data configs reach their documented held-out figures") {
  if (!fs::exists(kSklearnData)) {
    return skip_missing(std::string(kSklearnData) + " is absent (Debian's python3-sklearn; scripts/setup installs it)");
  }
  RunDir run;
  struct Expectation {
    const char* config;
    const char* metric;
    double at_least;
  };
  // The bars; configs/README.md has the measured figures.
  for (const Expectation& e : {Expectation{"sklearn_iris", "accuracy", 0.93}, Expectation{"sklearn_wine", "accuracy", 0.94},
                               Expectation{"sklearn_breast_cancer", "accuracy", 0.95},
                               Expectation{"sklearn_digits", "accuracy", 0.97}, Expectation{"sklearn_diabetes", "r2", 0.40}}) {
    const std::string name = e.config;
    CAPTURE(name);
    const std::string config = source_path("configs/") + e.config + ".yaml";
    const Result trained = blox(run.path, fmt::format("train {} --set checkpoint.dir=runs/{} --quiet", config, e.config));
    REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
    const Result r = blox(run.path, fmt::format("eval runs/{}/last.safetensors --data validation --json", e.config));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    const double value = nlohmann::json::parse(r.output.substr(r.output.find('{')))["metrics"][e.metric].get<double>();
    MESSAGE(name << " " << std::string(e.metric) << " " << value);
    CHECK(value >= e.at_least);
  }
}

TEST_CASE("tabular: string class labels: names fitted into the run's config; predict, eval and export name classes") {
  RunDir run;
  // The shop data with the label written as a word: 1 -> "yes", 0 -> "no" ("no" < "yes": index 0 and 1).
  const auto worded = [](std::string text) {
    std::string out;
    size_t start = 0;
    while (start < text.size()) {
      const size_t end = text.find('\n', start);
      std::string line = text.substr(start, end - start);
      start = end + 1;
      if (line.back() == '0' || line.back() == '1') line = line.substr(0, line.size() - 1) + (line.back() == '1' ? "yes" : "\"no\"");
      out += line + "\n";
    }
    return out;
  };
  write(run.path / "train.csv", worded(shop_csv(120, 0)));
  write(run.path / "test.csv", worded(shop_csv(30, 1)));
  write(run.path / "shop.yaml", kShopConfig);
  const Result trained = blox(run.path, "train shop.yaml --quiet");
  REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
  const std::string stored = read(run.path / "run" / "config.yaml");
  CHECK_MESSAGE(stored.find("class_names: [no, yes]") != std::string::npos, stored);
  CHECK(eval_accuracy(run.path, "run/last.safetensors") == 1.0);

  const Result confusion = blox(run.path, "eval run/last.safetensors --confusion");
  REQUIRE_MESSAGE(confusion.exit_code == 0, confusion.output);
  CHECK_MESSAGE(confusion.output.find("true \\ predicted   no  yes") != std::string::npos, confusion.output);

  write(run.path / "new.csv", "size,colour,label\n150,red,yes\n480,blue,no\n");
  const Result predicted = blox(run.path, "predict run/last.safetensors --input new.csv");
  REQUIRE_MESSAGE(predicted.exit_code == 0, predicted.output);
  CHECK_MESSAGE(predicted.output.find("index,prediction,probability,class,label\n0,1,") != std::string::npos,
                predicted.output);
  CHECK_MESSAGE(predicted.output.find(",yes,yes\n1,0,") != std::string::npos, predicted.output);
  CHECK_MESSAGE(predicted.output.find(",no,no\n") != std::string::npos, predicted.output);

  write(run.path / "odd.csv", "size,colour,label\n150,red,maybe\n");
  const Result odd = blox(run.path, "predict run/last.safetensors --input odd.csv");
  CHECK(odd.exit_code == 2);
  CHECK_MESSAGE(odd.output.find("odd.csv:2: column 3 ('label') has the label 'maybe', not among data.class_names "
                                "(no, yes)") != std::string::npos,
                odd.output);

  // Given names set the indices; their count must be the class count.
  const Result three = blox(run.path, "validate shop.yaml --set data.class_names=[no,yes,maybe]");
  CHECK(three.exit_code == 2);
  CHECK_MESSAGE(three.output.find("data.classes: 2 classes, but data.class_names has 3 (no, yes, maybe)") !=
                    std::string::npos,
                three.output);
}
