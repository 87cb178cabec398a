// Metrics are summed per example and divided once, so batch sizes never bias them.
#include "blox/train/metrics.h"

#include <cmath>

#include <ATen/core/grad_mode.h>
#include <ATen/ops/topk.h>
#include <ATen/ops/zeros.h>
#include <fmt/format.h>

namespace bx {

EvalSums evaluation_sums(const Layer& model, const Params& params, Loader& loader, const LossFn& loss,
                         c10::Device device, Precision precision) {
  at::NoGradGuard no_grad;
  // loss, correct, correct5, count: added up on the device, read once at the end.
  at::Tensor sums = at::zeros({4}, at::TensorOptions().dtype(at::kDouble).device(device));
  loader.seek({0, 0});
  while (auto batch = loader.next()) {
    const at::Tensor x = batch->inputs.to(device), y = batch->targets.to(device);
    at::Tensor out;
    {
      AutocastScope autocast(precision, device);
      out = model(params, x, Mode::eval).first;
    }
    out = full_precision(out);
    const auto n = static_cast<double>(y.numel());
    sums[0] += loss(out, y).to(at::kDouble) * n;
    if (out.dim() >= 2 && !at::isFloatingType(y.scalar_type())) {
      const at::Tensor logits = out.reshape({-1, out.size(-1)});
      const at::Tensor targets = y.reshape({-1});
      sums[1] += logits.argmax(1).eq(targets).sum();
      const int64_t k = std::min<int64_t>(5, logits.size(1));
      sums[2] += std::get<1>(logits.topk(k, 1)).eq(targets.unsqueeze(1)).any(1).sum();
    }
    sums[3] += n;
  }
  const at::Tensor host = sums.cpu();
  const double* v = host.data_ptr<double>();
  return {v[0], v[1], v[2], v[3]};
}

Metrics metrics_of(const EvalSums& sums, const std::vector<std::string>& names) {
  Metrics out;
  const double count = std::max(sums.count, 1.0);
  const double mean_loss = sums.loss / count;
  for (const auto& name : names) {
    if (name == "loss") out[name] = mean_loss;
    if (name == "accuracy") out[name] = sums.correct / count;
    if (name == "top5_accuracy") out[name] = sums.correct5 / count;
    if (name == "perplexity") out[name] = std::exp(mean_loss);
  }
  return out;
}

Metrics evaluate(const Layer& model, const Params& params, Loader& loader, const LossFn& loss,
                 const std::vector<std::string>& names, c10::Device device, Precision precision) {
  return metrics_of(evaluation_sums(model, params, loader, loss, device, precision), names);
}

std::string format_metrics(const Metrics& metrics) {
  std::string out;
  for (const auto& [name, value] : metrics) out += fmt::format("{}{} {:.4f}", out.empty() ? "" : "  ", name, value);
  return out;
}

}  // namespace bx
