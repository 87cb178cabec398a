// Evaluation metrics against values worked by hand on small tensors split into several batches
// (so sums, not per-batch averages, must carry them), and the shard sums a data-parallel
// evaluation all-reduces: two shards' values added up give the metrics of the whole.
#include <ATen/ops/binary_cross_entropy_with_logits.h>

#include "blox/metrics/catalogue.h"
#include "blox/metrics/confusion.h"
#include "blox/metrics/evaluation.h"
#include "support/helpers.h"

using namespace bx;

namespace {

// A float tensor of `rows` rows from `values`, row after row.
at::Tensor rows_of(int64_t rows, std::vector<float> values) {
  return at::tensor(values).reshape({rows, -1});
}

// A model whose outputs are its inputs: the tests feed the "outputs" as inputs.
struct Identity {
  Graph graph{"net"};
  Activation layer{graph.child("identity"), ActivationSettings{"identity"}};
};

LossFn loss_of_type(const std::string& type) {
  LossSettings s;
  s.type = type;
  return make_loss(s);
}

// The sums of an evaluation whose model outputs `outputs`, in batches of `batch_size`.
EvalSums sums_of(const at::Tensor& outputs, const at::Tensor& targets, const std::string& loss_type,
                 int64_t batch_size, bool confusion = false) {
  Identity model;
  LoaderSettings settings;
  settings.batch_size = batch_size;
  settings.shuffle = false;
  settings.prefetch = 0;
  Loader loader(Dataset{outputs, targets, "test", nullptr}, settings);
  return evaluation_sums(model.layer, Params(), loader, loss_of_type(loss_type), at::kCPU, Precision::fp32, confusion);
}

// What a data-parallel evaluation does: each shard's values, summed element-wise.
EvalSums summed(const EvalSums& a, const EvalSums& b) {
  std::vector<double> v = a.values();
  const std::vector<double> w = b.values();
  REQUIRE(v.size() == w.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] += w[i];
  return EvalSums::of(v);
}

void check_same_metrics(const Metrics& a, const Metrics& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& entry : a) {  // not a structured binding: CAPTURE's lambda takes it
    CAPTURE(entry.first);
    CHECK(b.at(entry.first) == doctest::Approx(entry.second).epsilon(1e-12));
  }
}

// Regression: 5 examples, 2 targets.
//   target 0: y 1 2 3 4 5, mean 3, SS_tot 10; predictions 1.5 2 2 4 6: errors .5 0 -1 0 1, SSE 2.25, |e| 2.5
//   target 1: y 0 0 1 1 3, mean 1, SS_tot 6;  predictions 0 1 1 1 1:     errors 0 1 0 0 -2, SSE 5,    |e| 3
const at::Tensor kRegressionOut = rows_of(5, {1.5, 0, 2, 1, 2, 1, 4, 1, 6, 1});
const at::Tensor kRegressionY = rows_of(5, {1, 0, 2, 0, 3, 1, 4, 1, 5, 3});
const std::vector<std::string> kRegressionMetrics = {"loss", "rmse", "mae", "r2"};

// Classification: 7 examples of 3 classes; class 2 is never predicted.
//   true      0 0 1 1 2 2 0
//   predicted 0 1 1 1 0 1 0
const at::Tensor kTrue = at::tensor(std::vector<int64_t>{0, 0, 1, 1, 2, 2, 0});
const at::Tensor kPredicted = at::tensor(std::vector<int64_t>{0, 1, 1, 1, 0, 1, 0});

// Logits whose argmax is `predicted` (and whose second choice is the next class).
at::Tensor logits_for(const at::Tensor& predicted, int64_t classes) {
  at::Tensor logits = at::zeros({predicted.size(0), classes});
  for (int64_t i = 0; i < predicted.size(0); ++i) {
    const int64_t p = predicted[i].item<int64_t>();
    logits[i][p] = 3.0;
    logits[i][(p + 1) % classes] = 1.0;
  }
  return logits;
}

}  // namespace

TEST_CASE("metrics rmse, mae, r2: two targets, batches of 2, 2 and 1, against sums worked by hand") {
  for (int64_t batch : {2, 3, 5}) {
    CAPTURE(batch);
    const Metrics m = metrics_of(sums_of(kRegressionOut, kRegressionY, "mse", batch), kRegressionMetrics);
    CHECK(m.at("loss") == doctest::Approx((2.25 + 5.0) / 10));                        // mse over all 10 elements
    CHECK(m.at("rmse") == doctest::Approx((std::sqrt(2.25 / 5) + std::sqrt(5.0 / 5)) / 2));  // per target, averaged
    CHECK(m.at("mae") == doctest::Approx((2.5 / 5 + 3.0 / 5) / 2));
    CHECK(m.at("r2") == doctest::Approx(((1 - 2.25 / 10) + (1 - 5.0 / 6)) / 2));
  }
}

TEST_CASE("metrics: one target as (B, 1) outputs with (B,) targets; l1 and huber losses take the same metrics") {
  const at::Tensor out = kRegressionOut.select(1, 0).unsqueeze(1), y = kRegressionY.select(1, 0);
  const Metrics m = metrics_of(sums_of(out, y, "l1", 2), kRegressionMetrics);
  CHECK(m.at("loss") == doctest::Approx(2.5 / 5));
  CHECK(m.at("rmse") == doctest::Approx(std::sqrt(2.25 / 5)));
  CHECK(m.at("mae") == doctest::Approx(2.5 / 5));
  CHECK(m.at("r2") == doctest::Approx(1 - 2.25 / 10));
  // Huber (delta 1): errors .5 0 1 0 1 all within delta: mean of e^2 / 2.
  CHECK(metrics_of(sums_of(out, y, "huber", 2), {"loss"}).at("loss") == doctest::Approx(2.25 / 2 / 5));
}

TEST_CASE("metrics r2: constant targets give 1 for exact predictions and 0 otherwise (sklearn's force_finite)") {
  const at::Tensor y = at::full({4, 1}, 0.1f);
  CHECK(metrics_of(sums_of(y.clone(), y, "mse", 3), {"r2"}).at("r2") == 1.0);
  CHECK(metrics_of(sums_of(y + 0.5, y, "mse", 3), {"r2"}).at("r2") == 0.0);
}

TEST_CASE("metrics precision, recall, f1: macro averages over 3 classes, one never predicted, in batches of 3") {
  // Per class (hits / predicted / true): 0: 2/3/3, 1: 2/4/2, 2: 0/0/2.
  //   precision 2/3, 1/2, 0 (no predictions: 0);  recall 2/3, 1, 0;  F1 2/3, 2/3, 0.
  const EvalSums sums = sums_of(logits_for(kPredicted, 3), kTrue, "cross_entropy", 3);
  const Metrics m = metrics_of(sums, {"accuracy", "precision", "recall", "f1"});
  CHECK(m.at("accuracy") == doctest::Approx(4.0 / 7));
  CHECK(m.at("precision") == doctest::Approx((2.0 / 3 + 0.5 + 0) / 3));
  CHECK(m.at("recall") == doctest::Approx((2.0 / 3 + 1 + 0) / 3));
  CHECK(m.at("f1") == doctest::Approx((2.0 / 3 + 2.0 / 3 + 0) / 3));
  CHECK(sums.hits == std::vector<double>{2, 2, 0});
  CHECK(sums.predicted == std::vector<double>{3, 4, 0});
  CHECK(sums.actual == std::vector<double>{3, 2, 2});
  CHECK(sums.confusion.empty());  // only on request

  // A fourth class of the outputs that neither occurs nor is predicted adds 0 to every average.
  const Metrics four = metrics_of(sums_of(logits_for(kPredicted, 4), kTrue, "cross_entropy", 2), {"precision", "recall", "f1"});
  CHECK(four.at("precision") == doctest::Approx((2.0 / 3 + 0.5) / 4));
  CHECK(four.at("recall") == doctest::Approx((2.0 / 3 + 1) / 4));
  CHECK(four.at("f1") == doctest::Approx((2.0 / 3 + 2.0 / 3) / 4));
}

TEST_CASE("confusion matrix: rows true class, columns predicted; the table blox eval prints") {
  const EvalSums sums = sums_of(logits_for(kPredicted, 3), kTrue, "cross_entropy", 2, /*confusion=*/true);
  const ConfusionMatrix matrix = confusion_matrix(sums);
  CHECK(matrix == ConfusionMatrix{{2, 1, 0}, {0, 2, 0}, {1, 1, 0}});
  CHECK(format_confusion(matrix) ==
        "true \\ predicted  0  1  2\n"
        "               0  2  1  0\n"
        "               1  0  2  0\n"
        "               2  1  1  0\n");
  CHECK(format_confusion({{120, 3}, {7, 0}}) ==
        "true \\ predicted    0    1\n"
        "               0  120    3\n"
        "               1    7    0\n");
  CHECK_THROWS_WITH_AS(confusion_matrix(sums_of(logits_for(kPredicted, 3), kTrue, "cross_entropy", 2)),
                       doctest::Contains("no confusion matrix"), Error);
}

TEST_CASE("metrics precision, recall, f1 for multi-label: per label, predicted where the logit > 0") {
  // label 0: predicted rows 0, 2; true rows 0, 3; hit row 0   -> P 1/2, R 1/2, F1 1/2
  // label 1: predicted rows 1, 2; true rows 1, 2; hits both   -> P 1,   R 1,   F1 1
  // label 2: predicted rows 0, 1; true row 1;     hit row 1   -> P 1/2, R 1,   F1 2/3
  const at::Tensor logits = rows_of(4, {2, -1, 1, -1, 3, 0.5, 1, 1, -1, -2, -1, -3});
  const at::Tensor labels = rows_of(4, {1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0});
  const Metrics m = metrics_of(sums_of(logits, labels, "bce_with_logits", 3), {"loss", "precision", "recall", "f1"});
  CHECK(m.at("loss") == doctest::Approx(at::binary_cross_entropy_with_logits(logits, labels).item<double>()));
  CHECK(m.at("precision") == doctest::Approx((0.5 + 1 + 0.5) / 3));
  CHECK(m.at("recall") == doctest::Approx((0.5 + 1 + 1) / 3));
  CHECK(m.at("f1") == doctest::Approx((0.5 + 1 + 2.0 / 3) / 3));
}

TEST_CASE("evaluation sums of two shards, added up element-wise, give the metrics of the whole") {
  SUBCASE("regression") {
    const Metrics whole = metrics_of(sums_of(kRegressionOut, kRegressionY, "mse", 2), kRegressionMetrics);
    const EvalSums shards = summed(sums_of(kRegressionOut.narrow(0, 0, 3), kRegressionY.narrow(0, 0, 3), "mse", 2),
                                   sums_of(kRegressionOut.narrow(0, 3, 2), kRegressionY.narrow(0, 3, 2), "mse", 2));
    check_same_metrics(whole, metrics_of(shards, kRegressionMetrics));
  }
  SUBCASE("classification, with the confusion matrix") {
    const at::Tensor logits = logits_for(kPredicted, 3);
    const std::vector<std::string> names = {"loss", "accuracy", "top5_accuracy", "precision", "recall", "f1"};
    const EvalSums whole = sums_of(logits, kTrue, "cross_entropy", 3, true);
    const EvalSums shards = summed(sums_of(logits.narrow(0, 0, 4), kTrue.narrow(0, 0, 4), "cross_entropy", 3, true),
                                   sums_of(logits.narrow(0, 4, 3), kTrue.narrow(0, 4, 3), "cross_entropy", 3, true));
    check_same_metrics(metrics_of(whole, names), metrics_of(shards, names));
    CHECK(confusion_matrix(shards) == confusion_matrix(whole));
  }
}

TEST_CASE("EvalSums: values() round-trips through of(); a vector not in its layout is refused") {
  const EvalSums sums = sums_of(logits_for(kPredicted, 3), kTrue, "cross_entropy", 3, true);
  CHECK(EvalSums::of(sums.values()).values() == sums.values());
  std::vector<double> broken = sums.values();
  broken.pop_back();
  CHECK_THROWS_WITH_AS(EvalSums::of(broken), doctest::Contains("do not hold their own layout"), Error);
  CHECK_THROWS_AS(EvalSums::of({1, 2, 3}), Error);
}

TEST_CASE("metrics_of computes every metric of the catalogue and refuses other names") {
  const EvalSums sums = sums_of(kRegressionOut, kRegressionY, "mse", 2);
  CHECK(metrics_of(sums, metric_names()).size() == metric_names().size());
  CHECK_THROWS_WITH_AS(metrics_of(sums, {"loss", "rsme"}), doctest::Contains("unknown metric 'rsme'"), ConfigError);
}
