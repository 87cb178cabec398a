// Metrics are summed per example and divided once, so batch sizes never bias them.
#include "blox/train/metrics.h"

#include <cmath>

#include <ATen/core/grad_mode.h>
#include <ATen/ops/topk.h>
#include <fmt/format.h>

namespace bx {

EvalSums evaluation_sums(const Layer& model, const Params& params, Loader& loader, const LossFn& loss,
                         c10::Device device) {
  at::NoGradGuard no_grad;
  EvalSums sums;
  loader.seek({0, 0});
  while (auto batch = loader.next()) {
    const at::Tensor x = batch->inputs.to(device), y = batch->targets.to(device);
    const at::Tensor out = model(params, x, Mode::eval).first;
    const int64_t n = y.numel();
    sums.loss += loss(out, y).item<double>() * static_cast<double>(n);
    if (out.dim() >= 2 && !at::isFloatingType(y.scalar_type())) {
      const at::Tensor logits = out.reshape({-1, out.size(-1)});
      const at::Tensor targets = y.reshape({-1});
      sums.correct += logits.argmax(1).eq(targets).sum().item<double>();
      const int64_t k = std::min<int64_t>(5, logits.size(1));
      sums.correct5 += std::get<1>(logits.topk(k, 1)).eq(targets.unsqueeze(1)).any(1).sum().item<double>();
    }
    sums.count += static_cast<double>(n);
  }
  return sums;
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
                 const std::vector<std::string>& names, c10::Device device) {
  return metrics_of(evaluation_sums(model, params, loader, loss, device), names);
}

std::string format_metrics(const Metrics& metrics) {
  std::string out;
  for (const auto& [name, value] : metrics) out += fmt::format("{}{} {:.4f}", out.empty() ? "" : "  ", name, value);
  return out;
}

}  // namespace bx
