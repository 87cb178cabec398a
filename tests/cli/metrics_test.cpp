// Metrics end to end: blox eval --confusion on the subset MLP (the table, and the JSON whose
// matrix gives eval's own accuracy, precision, recall and F1), a regression run's default
// metrics, and metrics that do not fit the loss refused as config errors.
#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/metrics/confusion.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

namespace fs = std::filesystem;
using namespace bx;
using namespace bx::test;

namespace {

// 'x1,x2,y' rows with y = 2 x1 - x2 + 0.5 (+ a little noise), from a fixed seed.
std::string regression_csv(int rows, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::string out = "x1,x2,y\n";
  for (int i = 0; i < rows; ++i) {
    const double x1 = uniform(gen), x2 = uniform(gen);
    out += fmt::format("{:.6f},{:.6f},{:.6f}\n", x1, x2, 2 * x1 - x2 + 0.5 + 0.01 * uniform(gen));
  }
  return out;
}

const char* kRegressionConfig =
    "seed: 1\nthreads: 1\n"
    "data: {format: csv, train: train.csv, test: test.csv, label: y, batch_size: 20}\n"
    "model:\n  layers:\n    - {type: linear, output_size: 1}\n"
    "loss: {type: mse}\n"
    "optimizer: {type: adam, learning_rate: 0.05}\n"
    "train: {epochs: 40, eval_every_epochs: 0, log_every_steps: 0}\n"
    "checkpoint: {dir: run, every_epochs: 0}\n";

void write_regression_run(const fs::path& dir) {
  write(dir / "train.csv", regression_csv(200, 1));
  write(dir / "test.csv", regression_csv(50, 2));
  write(dir / "reg.yaml", kRegressionConfig);
}

// `blox ARGS` in `dir` exits 2 (bad usage or config) saying `message`.
void check_refused(const fs::path& dir, const std::string& args, const std::string& message) {
  const Result r = blox(dir, args);
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find(message) != std::string::npos, r.output);
}

// The metrics of the last row of a run's metrics.jsonl, and of `blox eval` of its last checkpoint.
std::pair<nlohmann::json, nlohmann::json> run_and_eval_metrics(const fs::path& dir) {
  const std::string rows = read(dir / "run" / "metrics.jsonl");
  const size_t last = rows.rfind('\n', rows.size() - 2);
  const auto row = nlohmann::json::parse(rows.substr(last == std::string::npos ? 0 : last + 1));
  const Result eval = blox(dir, "eval run/last.safetensors --json");
  REQUIRE_MESSAGE(eval.exit_code == 0, eval.output);
  return {row, nlohmann::json::parse(eval.output).at("metrics")};
}

}  // namespace

TEST_CASE("blox eval --confusion: the table after the metrics; --json's matrix gives eval's accuracy, precision, recall, f1") {
  RunDir dir;
  train_mlp(dir.path, 1);
  const std::string eval = "eval mlp.yaml --checkpoint run/last.safetensors --set 'metrics=[loss,accuracy,precision,recall,f1]' ";
  const Result json = blox(dir.path, eval + "--confusion --json");
  REQUIRE_MESSAGE(json.exit_code == 0, json.output);
  const auto report = nlohmann::json::parse(json.output);
  const auto matrix = report.at("confusion").get<ConfusionMatrix>();
  REQUIRE(matrix.size() == 10);
  int64_t total = 0, right = 0;
  double precision = 0, recall = 0, f1 = 0;
  for (size_t c = 0; c < 10; ++c) {
    REQUIRE(matrix[c].size() == 10);
    int64_t predicted = 0, actual = 0;
    for (size_t o = 0; o < 10; ++o) {
      predicted += matrix[o][c];
      actual += matrix[c][o];
    }
    total += actual;
    right += matrix[c][c];
    precision += predicted ? double(matrix[c][c]) / predicted : 0.0;
    recall += actual ? double(matrix[c][c]) / actual : 0.0;
    f1 += predicted + actual ? 2.0 * matrix[c][c] / double(predicted + actual) : 0.0;
  }
  CHECK(total == 500);  // the subset's test split
  const auto& metrics = report.at("metrics");
  CHECK(metrics.at("accuracy").get<double>() == doctest::Approx(double(right) / total).epsilon(1e-12));
  CHECK(metrics.at("precision").get<double>() == doctest::Approx(precision / 10).epsilon(1e-12));
  CHECK(metrics.at("recall").get<double>() == doctest::Approx(recall / 10).epsilon(1e-12));
  CHECK(metrics.at("f1").get<double>() == doctest::Approx(f1 / 10).epsilon(1e-12));
  CHECK(metrics.at("accuracy").get<double>() > 0.5);  // trained: the matrix is far from uniform

  const Result text = blox(dir.path, eval + "--confusion");
  REQUIRE(text.exit_code == 0);
  const size_t metrics_line = text.output.find("test split, step 20: ");
  const size_t table = text.output.find("\nconfusion matrix\n" + format_confusion(matrix));
  CHECK(metrics_line != std::string::npos);
  CHECK_MESSAGE(table != std::string::npos, text.output);
  CHECK(metrics_line < table);
  // Without the flag, no matrix.
  CHECK(blox(dir.path, eval + "--json").output.find("confusion") == std::string::npos);
}

TEST_CASE("a metric that does not fit the loss is a config error naming it (exit 2)") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));
  check_refused(dir.path, "validate mlp.yaml --set 'metrics=[loss,accuracy,r2]'",
                "error: metrics: metric 'r2' does not fit loss 'cross_entropy' (a classification loss; its metrics: "
                "loss, accuracy, top5_accuracy, perplexity, precision, recall, f1)");
  check_refused(dir.path, "validate mlp.yaml --set loss.type=mse --set 'metrics=[loss,accuracy]'",
                "error: metrics: metric 'accuracy' does not fit loss 'mse' (a regression loss; its metrics: loss, "
                "rmse, mae, r2)");
}

TEST_CASE("a model whose output does not fit the targets is a config error at its last layer, before any step") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));
  check_refused(dir.path, "train mlp.yaml --set model.layers[4].output_size=5",
                "error: model.layers[4]: the last layer 'logits' outputs 5 values per example, but the "
                "cross_entropy loss needs one per class: 10 (data.classes) (hint: output_size: classes)");
  CHECK_FALSE(fs::exists(dir.path / "run"));
  write_regression_run(dir.path);
  check_refused(dir.path, "validate reg.yaml --set model.layers[0].output_size=2",
                "error: model.layers[0]: the last layer 'linear_0' outputs 2 values per example, but the mse loss "
                "needs one per target: 1 (the targets of ");
}

TEST_CASE("a regression run (mse, no metrics list) evaluates loss, rmse, mae and r2; --confusion is refused") {
  RunDir dir;
  write_regression_run(dir.path);
  const Result train = blox(dir.path, "train reg.yaml --quiet");
  REQUIRE_MESSAGE(train.exit_code == 0, train.output);
  CHECK(read(dir.path / "run" / "config.yaml").find("metrics:\n  - loss\n  - rmse\n  - mae\n  - r2\n") != std::string::npos);
  const std::string rows = read(dir.path / "run" / "metrics.jsonl");
  CHECK(rows.find("\"r2\":") != std::string::npos);
  CHECK(rows.find("accuracy") == std::string::npos);

  const Result eval = blox(dir.path, "eval run/last.safetensors --json");
  REQUIRE_MESSAGE(eval.exit_code == 0, eval.output);
  const auto metrics = nlohmann::json::parse(eval.output).at("metrics");
  CHECK(metrics.size() == 4);
  const double loss = metrics.at("loss"), rmse = metrics.at("rmse"), mae = metrics.at("mae"), r2 = metrics.at("r2");
  CHECK(r2 > 0.99);
  CHECK(rmse * rmse == doctest::Approx(loss).epsilon(1e-5));  // one target: mse = rmse^2
  CHECK(mae <= rmse);
  CHECK(mae > 0);

  check_refused(dir.path, "eval run/last.safetensors --confusion",
                "--confusion needs a classification loss; this run's loss 'mse' is a regression loss");
}

TEST_CASE("data-parallel: the run's sharded evaluation of rmse, mae, r2 and of precision, recall, f1 equals blox eval") {
  RunDir regression, classification;
  write_regression_run(regression.path);
  write(classification.path / "mlp.yaml",
        mlp_config(1, 0, "metrics: [loss, accuracy, precision, recall, f1]\n"));
  struct Case {
    fs::path dir;
    std::string config;
    std::vector<std::string> metrics;
  };
  for (const Case& c : {Case{regression.path, "reg.yaml", {"rmse", "mae", "r2"}},
                        Case{classification.path, "mlp.yaml", {"accuracy", "precision", "recall", "f1"}}}) {
    CAPTURE(c.config);
    const Result train = blox(c.dir, "train " + c.config + " --quiet --nproc 2");
    REQUIRE_MESSAGE(train.exit_code == 0, train.output);
    const auto metrics = run_and_eval_metrics(c.dir);
    for (const auto& name : c.metrics) {
      CAPTURE(name);
      CHECK(metrics.first.at(name).get<double>() == doctest::Approx(metrics.second.at(name).get<double>()).epsilon(1e-9));
    }
  }
}
