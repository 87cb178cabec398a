// Metrics are summed per example and divided once, so batch sizes never bias them.
#include "blox/metrics/evaluation.h"

#include <cmath>
#include <functional>

#include <ATen/core/grad_mode.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/topk.h>
#include <ATen/ops/zeros.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/metrics/catalogue.h"

namespace bx {
namespace {

// values(): the scalars, the shard count and the three sizes, then the vectors in this order.
constexpr size_t kHeader = 8;

// One evaluation's sums, kept on the device; the per-target and per-class rows are made at the
// first batch that has them (their sizes come from the outputs).
class DeviceSums {
 public:
  DeviceSums(c10::Device device, bool confusion)
      : options_(at::TensorOptions().dtype(at::kDouble).device(device)),
        scalars_(at::zeros({4}, options_)),
        with_confusion_(confusion) {}

  void add(const at::Tensor& out, const at::Tensor& y, const at::Tensor& loss) {
    const auto n = static_cast<double>(y.numel());
    scalars_[0] += loss.to(at::kDouble) * n;
    scalars_[3] += n;
    if (out.dim() >= 2 && !at::isFloatingType(y.scalar_type()) && out.numel() / out.size(-1) == y.numel()) {
      add_classification(out.reshape({-1, out.size(-1)}), y.reshape({-1}));
    }
    if (laid_out_alike(out, y)) add_per_target(out, y);
  }

  // The values() layout, read from the device at once.
  std::vector<double> values() const {
    const int64_t targets = regression_.defined() ? regression_.size(1) : 0;
    const int64_t classes = classes_.defined() ? classes_.size(1) : 0;
    const int64_t cells = confusion_.defined() ? confusion_.numel() : 0;
    const std::vector<double> sizes = {1.0, double(targets), double(classes), double(cells)};
    std::vector<at::Tensor> parts = {scalars_, at::tensor(at::ArrayRef<double>(sizes), options_)};
    for (const at::Tensor* t : {&regression_, &classes_, &confusion_}) {
      if (t->defined()) parts.push_back(t->reshape({-1}));
    }
    const at::Tensor host = at::cat(parts).cpu();
    const double* v = host.data_ptr<double>();
    return std::vector<double>(v, v + host.numel());
  }

 private:
  void add_classification(const at::Tensor& logits, const at::Tensor& targets) {
    const int64_t classes = logits.size(1);
    const at::Tensor predicted = logits.argmax(1);
    const at::Tensor right = predicted.eq(targets);
    scalars_[1] += right.sum();
    const int64_t k = std::min<int64_t>(5, classes);
    scalars_[2] += std::get<1>(logits.topk(k, 1)).eq(targets.unsqueeze(1)).any(1).sum();
    // index_add_ of ones counts without reading the device (bincount would, for its size).
    const at::Tensor ones = at::ones({targets.numel()}, options_);
    if (!classes_.defined()) classes_ = at::zeros({3, classes}, options_);
    classes_[0].index_add_(0, targets, right.to(at::kDouble));
    classes_[1].index_add_(0, predicted, ones);
    classes_[2].index_add_(0, targets, ones);
    if (with_confusion_) {
      if (!confusion_.defined()) confusion_ = at::zeros({classes * classes}, options_);
      confusion_.index_add_(0, targets * classes + predicted, ones);
    }
  }

  // Regression sums per target column; with float targets also the multi-label counts.
  void add_per_target(const at::Tensor& out, const at::Tensor& y) {
    const int64_t columns = out.dim() >= 2 ? out.size(-1) : 1;
    const at::Tensor x = out.to(at::kDouble).reshape({-1, columns});
    const at::Tensor t = targets_like(out, y, "metrics").to(at::kDouble).reshape({-1, columns});
    const at::Tensor error = x - t;
    accumulate(regression_, at::stack({error.square().sum(0), error.abs().sum(0), t.sum(0), t.square().sum(0)}));
    if (at::isFloatingType(y.scalar_type())) {
      const at::Tensor predicted = x > 0, truth = t > 0.5;
      accumulate(classes_, at::stack({(predicted & truth).sum(0), predicted.sum(0), truth.sum(0)}).to(at::kDouble));
    }
  }

  void accumulate(at::Tensor& sum, const at::Tensor& batch) {
    if (!sum.defined()) sum = at::zeros(batch.sizes(), options_);
    sum += batch;
  }

  at::TensorOptions options_;
  at::Tensor scalars_;     // loss, correct, correct5, count
  at::Tensor regression_;  // (4, targets): squared errors, absolute errors, targets, targets squared
  at::Tensor classes_;     // (3, classes): hits, predicted, actual
  at::Tensor confusion_;   // (classes * classes)
  bool with_confusion_;
};

// The mean over i < n of f(i); 0 when n is 0 (an evaluation without such outputs).
double mean_over(size_t n, const std::function<double(size_t)>& f) {
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += f(i);
  return n == 0 ? 0.0 : total / static_cast<double>(n);
}

// a / b, or 0 where b is 0 (sklearn's zero_division=0).
double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

double mean_loss(const EvalSums& s) { return s.loss / std::max(s.count, 1.0); }

// Examples per regression target: each one adds one element per target column.
double target_rows(const EvalSums& s) { return std::max(s.count / std::max<double>(1, s.squared_error.size()), 1.0); }

double r2_of_target(const EvalSums& s, size_t k) {
  const double n = target_rows(s);
  const double total = s.target_square_sum[k] - s.target_sum[k] * s.target_sum[k] / n;
  // Constant targets (SS_tot within the rounding of the sums): 1 for exact predictions, else 0,
  // as sklearn's force_finite.
  if (total <= 1e-12 * s.target_square_sum[k]) return s.squared_error[k] == 0 ? 1.0 : 0.0;
  return 1.0 - s.squared_error[k] / total;
}

using MetricFn = std::function<double(const EvalSums&)>;

const std::map<std::string, MetricFn>& metric_functions() {
  static const std::map<std::string, MetricFn> kFunctions = {
      {"loss", mean_loss},
      {"accuracy", [](const EvalSums& s) { return s.correct / std::max(s.count, 1.0); }},
      {"top5_accuracy", [](const EvalSums& s) { return s.correct5 / std::max(s.count, 1.0); }},
      {"perplexity", [](const EvalSums& s) { return std::exp(mean_loss(s)); }},
      {"precision",
       [](const EvalSums& s) { return mean_over(s.hits.size(), [&](size_t c) { return ratio(s.hits[c], s.predicted[c]); }); }},
      {"recall",
       [](const EvalSums& s) { return mean_over(s.hits.size(), [&](size_t c) { return ratio(s.hits[c], s.actual[c]); }); }},
      // 2 P R / (P + R) = 2 TP / (predicted + true): 0 where a class has neither.
      {"f1",
       [](const EvalSums& s) {
         return mean_over(s.hits.size(), [&](size_t c) { return ratio(2 * s.hits[c], s.predicted[c] + s.actual[c]); });
       }},
      {"rmse",
       [](const EvalSums& s) {
         return mean_over(s.squared_error.size(), [&](size_t k) { return std::sqrt(s.squared_error[k] / target_rows(s)); });
       }},
      {"mae",
       [](const EvalSums& s) {
         return mean_over(s.absolute_error.size(), [&](size_t k) { return s.absolute_error[k] / target_rows(s); });
       }},
      {"r2", [](const EvalSums& s) { return mean_over(s.squared_error.size(), [&](size_t k) { return r2_of_target(s, k); }); }},
  };
  return kFunctions;
}

}  // namespace

std::vector<double> EvalSums::values() const {
  std::vector<double> v = {loss, correct, correct5, count, 1.0, double(squared_error.size()), double(hits.size()),
                           double(confusion.size())};
  for (const auto* part : {&squared_error, &absolute_error, &target_sum, &target_square_sum, &hits, &predicted, &actual,
                           &confusion}) {
    v.insert(v.end(), part->begin(), part->end());
  }
  return v;
}

EvalSums EvalSums::of(const std::vector<double>& v) {
  const double shards = v.size() >= kHeader ? v[4] : 0;
  const auto size = [&](size_t i) { return static_cast<size_t>(std::llround(v[i] / shards)); };
  if (shards < 1 || v.size() != kHeader + 4 * size(5) + 3 * size(6) + size(7)) {
    throw Error(fmt::format("evaluation sums: {} values do not hold their own layout (a bug: please report it)", v.size()));
  }
  EvalSums s;
  s.loss = v[0];
  s.correct = v[1];
  s.correct5 = v[2];
  s.count = v[3];
  auto at = v.begin() + kHeader;
  for (auto [part, n] : {std::pair{&s.squared_error, size(5)}, {&s.absolute_error, size(5)}, {&s.target_sum, size(5)},
                         {&s.target_square_sum, size(5)}, {&s.hits, size(6)}, {&s.predicted, size(6)},
                         {&s.actual, size(6)}, {&s.confusion, size(7)}}) {
    part->assign(at, at + static_cast<std::ptrdiff_t>(n));
    at += static_cast<std::ptrdiff_t>(n);
  }
  return s;
}

EvalSums evaluation_sums(const Layer& model, const Params& params, Loader& loader, const LossFn& loss,
                         c10::Device device, Precision precision, bool confusion) {
  at::NoGradGuard no_grad;
  DeviceSums sums(device, confusion);
  loader.seek({0, 0});
  while (auto batch = loader.next()) {
    const at::Tensor x = batch->inputs.to(device), y = batch->targets.to(device);
    at::Tensor out;
    {
      AutocastScope autocast(precision, device);
      out = model(params, x, Mode::eval).first;
    }
    out = full_precision(out);
    sums.add(out, y, loss(out, y));
  }
  return EvalSums::of(sums.values());
}

Metrics metrics_of(const EvalSums& sums, const std::vector<std::string>& names) {
  Metrics out;
  for (const auto& name : names) {
    auto it = metric_functions().find(name);
    if (it == metric_functions().end()) {
      throw ConfigError(fmt::format("unknown metric '{}' (known: {})", name, fmt::join(metric_names(), ", ")));
    }
    out[name] = it->second(sums);
  }
  return out;
}

std::string format_metrics(const Metrics& metrics) {
  std::string out;
  for (const auto& [name, value] : metrics) out += fmt::format("{}{} {:.4f}", out.empty() ? "" : "  ", name, value);
  return out;
}

}  // namespace bx
