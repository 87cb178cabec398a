// Every regression and multi-label loss against libtorch's own functional op (values and
// gradients, 1e-6 relative), on multi-target (B, K) and single-target (B,) layouts, plus a value
// worked by hand; the shapes they refuse; which metrics fit each loss.
#include <ATen/ops/binary_cross_entropy_with_logits.h>
#include <ATen/ops/huber_loss.h>
#include <ATen/ops/l1_loss.h>
#include <ATen/ops/mse_loss.h>

#include "blox/metrics/catalogue.h"
#include "support/helpers.h"

using namespace bx;

namespace {

LossFn loss_named(const std::string& type, double delta = 1.0) {
  LossSettings s;
  s.type = type;
  s.delta = delta;
  return make_loss(s);
}

using Reference = std::function<at::Tensor(const at::Tensor& output, const at::Tensor& targets)>;

// ours(output, targets) against reference(output, reference_targets): the value and d/d output.
void check_against(const LossFn& ours, const Reference& reference, const at::Tensor& output, const at::Tensor& targets,
                   const at::Tensor& reference_targets) {
  const at::Tensor x = output.clone().requires_grad_(true), x_ref = output.clone().requires_grad_(true);
  const at::Tensor value = ours(x, targets), expected = reference(x_ref, reference_targets);
  CHECK(value.dim() == 0);
  CHECK(test::close(value, expected, 1e-6));
  value.backward();
  expected.backward();
  CHECK(test::close(x.grad(), x_ref.grad(), 1e-6));
}

// Multi-target (8, 3) and single-target (8, 1) outputs with (8,) targets, targets scaled so
// that Huber's both branches are taken.
void check_layouts(const LossFn& ours, const Reference& reference) {
  const at::Tensor wide = test::randn({8, 3}, 1), wide_targets = 2 * test::randn({8, 3}, 2);
  check_against(ours, reference, wide, wide_targets, wide_targets);
  const at::Tensor column = test::randn({8, 1}, 3), column_targets = 2 * test::randn({8}, 4);
  check_against(ours, reference, column, column_targets, column_targets.unsqueeze(1));
}

}  // namespace

TEST_CASE("loss mse: at::mse_loss on (B, K) and on (B, 1) outputs with (B,) targets; a hand value") {
  check_layouts(loss_named("mse"), [](const at::Tensor& x, const at::Tensor& y) { return at::mse_loss(x, y); });
  // (1 + 4 + 0 + 1) / 4.
  const at::Tensor out = at::tensor({1.f, 2.f, 3.f, 4.f}).reshape({2, 2});
  CHECK(loss_named("mse")(out, at::tensor({0.f, 0.f, 3.f, 5.f}).reshape({2, 2})).item<double>() == doctest::Approx(1.5));
}

TEST_CASE("loss l1: at::l1_loss on both layouts; a hand value") {
  check_layouts(loss_named("l1"), [](const at::Tensor& x, const at::Tensor& y) { return at::l1_loss(x, y); });
  CHECK(loss_named("l1")(at::tensor({1.f, -2.f, 3.f}), at::tensor({0.f, 0.f, 0.f})).item<double>() == doctest::Approx(2.0));
}

TEST_CASE("loss huber: at::huber_loss for the default delta and others; delta splits the two branches") {
  for (double delta : {1.0, 0.3, 2.5}) {
    CAPTURE(delta);
    check_layouts(loss_named("huber", delta), [delta](const at::Tensor& x, const at::Tensor& y) {
      return at::huber_loss(x, y, at::Reduction::Mean, delta);
    });
  }
  CHECK(LossSettings().delta == 1.0);
  // Errors 0.5 and 3 with delta 1: 0.5 * 0.5^2 = 0.125 and 1 * (3 - 0.5) = 2.5; mean 1.3125.
  CHECK(loss_named("huber")(at::tensor({0.5f, 3.f}), at::tensor({0.f, 0.f})).item<double>() == doctest::Approx(1.3125));
  // delta 4 keeps both quadratic: (0.125 + 4.5) / 2.
  CHECK(loss_named("huber", 4.0)(at::tensor({0.5f, 3.f}), at::tensor({0.f, 0.f})).item<double>() ==
        doctest::Approx(2.3125));
}

TEST_CASE("loss huber: delta must be > 0") {
  LossSettings s;
  s.type = "huber";
  s.delta = 0;
  try {
    check_settings(s, "loss");
    FAIL("delta 0 was accepted");
  } catch (const SettingError& e) {
    CHECK(e.field() == "delta");
  }
}

TEST_CASE("loss bce_with_logits: at::binary_cross_entropy_with_logits on multi-label 0/1 targets; a hand value") {
  const Reference reference = [](const at::Tensor& x, const at::Tensor& y) {
    return at::binary_cross_entropy_with_logits(x, y);
  };
  const at::Tensor logits = 3 * test::randn({8, 4}, 5);
  const at::Tensor labels = (test::randn({8, 4}, 6) > 0).to(at::kFloat);
  check_against(loss_named("bce_with_logits"), reference, logits, labels, labels);
  // Integer 0/1 targets are read as floats.
  check_against(loss_named("bce_with_logits"), reference, logits, labels.to(at::kLong), labels);
  // Logit 0 against either label: log 2.
  CHECK(loss_named("bce_with_logits")(at::zeros({1, 2}), at::tensor({0.f, 1.f}).reshape({1, 2})).item<double>() ==
        doctest::Approx(std::log(2.0)));
}

TEST_CASE("regression and multi-label losses refuse targets laid out otherwise, naming the loss and both shapes") {
  for (const std::string type : {"mse", "l1", "huber", "bce_with_logits"}) {
    CAPTURE(type);
    const LossFn loss = loss_named(type);
    // (B, 3) against (B,): not one target per output column.
    CHECK_THROWS_WITH_AS(loss(at::zeros({4, 3}), at::zeros({4})),
                         doctest::Contains(("loss " + type + ": outputs [4, 3] do not match targets [4]").c_str()), ShapeError);
    CHECK_THROWS_AS(loss(at::zeros({4, 3}), at::zeros({3, 4})), ShapeError);
    CHECK_THROWS_AS(loss(at::zeros({4}), at::zeros({4, 1})), ShapeError);
  }
}

TEST_CASE("loss tasks, and the metrics each task takes and gets by default") {
  CHECK(loss_task("cross_entropy") == LossTask::classification);
  CHECK(loss_task("nll") == LossTask::classification);
  for (const std::string type : {"mse", "l1", "huber"}) CHECK(loss_task(type) == LossTask::regression);
  CHECK(loss_task("bce_with_logits") == LossTask::multi_label);
  CHECK_THROWS_WITH_AS(loss_task("hinge"), doctest::Contains("unknown loss 'hinge'"), ConfigError);

  CHECK(default_metrics(LossTask::classification) == std::vector<std::string>{"loss", "accuracy"});
  CHECK(default_metrics(LossTask::regression) == std::vector<std::string>{"loss", "rmse", "mae", "r2"});
  CHECK(default_metrics(LossTask::multi_label) == std::vector<std::string>{"loss", "f1"});
  // Every default fits its task.
  for (LossTask task : {LossTask::classification, LossTask::regression, LossTask::multi_label}) {
    for (const auto& m : default_metrics(task)) {
      const auto fits = metrics_for(task);
      CHECK(std::find(fits.begin(), fits.end(), m) != fits.end());
    }
  }
  CHECK(metrics_for(LossTask::multi_label) == std::vector<std::string>{"loss", "precision", "recall", "f1"});

  CHECK_FALSE(metric_misfit("r2", "huber"));
  CHECK_FALSE(metric_misfit("f1", "cross_entropy"));
  CHECK(metric_misfit("accuracy", "mse")->message ==
        "metric 'accuracy' does not fit loss 'mse' (a regression loss; its metrics: loss, rmse, mae, r2)");
  CHECK(metric_misfit("r2", "cross_entropy")->message.find("metric 'r2' does not fit loss 'cross_entropy' (a "
                                                           "classification loss") == 0);
  const auto unknown = metric_misfit("rmes", "mse");
  CHECK(unknown->message.find("unknown metric 'rmes' (known: loss, accuracy,") == 0);
  CHECK(unknown->hint == "did you mean 'rmse'?");
  for (const std::string lower : {"loss", "perplexity", "rmse", "mae"}) CHECK(find_metric(lower)->lower_is_better);
  for (const std::string higher : {"accuracy", "r2", "f1"}) CHECK_FALSE(find_metric(higher)->lower_is_better);
}
