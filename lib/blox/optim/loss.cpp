// Losses flatten sequence outputs so language models and classifiers share one code path; the
// regression and multi-label ones are libtorch's own kernels (PyTorch's semantics, fused grads).
#include "blox/optim/loss.h"

#include <ATen/ops/binary_cross_entropy_with_logits.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/huber_loss.h>
#include <ATen/ops/l1_loss.h>
#include <ATen/ops/mse_loss.h>
#include <ATen/ops/nll_loss.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/core/shape.h"

namespace bx {
namespace {

// (B, T, C) with (B, T) -> (B*T, C) with (B*T).
std::pair<at::Tensor, at::Tensor> flat(const at::Tensor& output, const at::Tensor& targets) {
  if (output.dim() < 2 || output.numel() / output.size(-1) != targets.numel()) {
    throw ShapeError(fmt::format("loss: outputs {} do not match targets {}; expected (..., C) with (...)",
                                 format_shape(output.sizes()), format_shape(targets.sizes())));
  }
  return {output.reshape({-1, output.size(-1)}), targets.reshape({-1})};
}

// A regression or multi-label loss: `loss` of outputs against targets laid out alike
// (targets_like), so every such loss takes the same shapes and names itself in shape errors.
using ElementwiseLoss = at::Tensor (*)(const at::Tensor& output, const at::Tensor& targets, const LossSettings& s);

void add_elementwise(TypeRegistry<LossEntry>& r, const std::string& type, LossTask task, const std::string& summary,
                     ElementwiseLoss loss) {
  r.add(type, {summary, {}}, {task, [who = "loss " + type, loss](const LossSettings& s) -> LossFn {
                                return [who, loss, s](const at::Tensor& output, const at::Tensor& targets) {
                                  return loss(output, targets_like(output, targets, who), s);
                                };
                              }});
}

}  // namespace

bool laid_out_alike(const at::Tensor& output, const at::Tensor& targets) {
  if (targets.sizes() == output.sizes()) return true;
  return output.dim() >= 1 && output.size(-1) == 1 && targets.sizes() == output.sizes().slice(0, output.dim() - 1);
}

at::Tensor targets_like(const at::Tensor& output, const at::Tensor& targets, const std::string& who) {
  if (!laid_out_alike(output, targets)) {
    throw ShapeError(fmt::format("{}: outputs {} do not match targets {}; expected targets shaped as the outputs "
                                 "(..., K), or (...) when K is 1",
                                 who, format_shape(output.sizes()), format_shape(targets.sizes())));
  }
  return targets.to(output.scalar_type()).reshape(output.sizes());
}

const TypeRegistry<LossEntry>& builtin_losses() {
  static const TypeRegistry<LossEntry> kBuiltin = [] {
    TypeRegistry<LossEntry> r("loss");
    r.add("cross_entropy", {"softmax cross entropy of logits against class indices", {}},
          {LossTask::classification, [](const LossSettings& s) -> LossFn {
             const double smoothing = s.label_smoothing;
             return [smoothing](const at::Tensor& output, const at::Tensor& targets) {
               auto [x, y] = flat(output, targets);
               return at::cross_entropy_loss(x, y, {}, at::Reduction::Mean, -100, smoothing);
             };
           }});
    r.add("nll", {"negative log-likelihood of log-probabilities against class indices", {}},
          {LossTask::classification, [](const LossSettings&) -> LossFn {
             return [](const at::Tensor& output, const at::Tensor& targets) {
               auto [x, y] = flat(output, targets);
               return at::nll_loss(x, y);
             };
           }});
    add_elementwise(r, "mse", LossTask::regression,
                    "mean squared error of outputs (..., K) against float targets (..., K), or (...) when K is 1",
                    [](const at::Tensor& x, const at::Tensor& y, const LossSettings&) { return at::mse_loss(x, y); });
    add_elementwise(r, "l1", LossTask::regression, "mean absolute error; targets as for mse",
                    [](const at::Tensor& x, const at::Tensor& y, const LossSettings&) { return at::l1_loss(x, y); });
    add_elementwise(r, "huber", LossTask::regression,
                    "PyTorch's HuberLoss: e^2 / 2 where abs(e) < delta, else delta (abs(e) - delta / 2); targets as for mse",
                    [](const at::Tensor& x, const at::Tensor& y, const LossSettings& s) {
                      return at::huber_loss(x, y, at::Reduction::Mean, s.delta);
                    });
    add_elementwise(r, "bce_with_logits", LossTask::multi_label,
                    "multi-label: binary cross entropy of logits (..., K) against 0/1 float targets (..., K)",
                    [](const at::Tensor& x, const at::Tensor& y, const LossSettings&) {
                      return at::binary_cross_entropy_with_logits(x, y);
                    });
    return r;
  }();
  return kBuiltin;
}

std::vector<std::string> loss_types() { return builtin_losses().types(); }

namespace {

const LossEntry& loss_entry(const std::string& type) {
  const LossEntry* entry = builtin_losses().get(type);
  if (!entry) throw ConfigError(fmt::format("unknown loss '{}' (known: {})", type, fmt::join(loss_types(), ", ")));
  return *entry;
}

}  // namespace

LossFn make_loss(const LossSettings& settings) { return loss_entry(settings.type).make(settings); }

LossTask loss_task(const std::string& type) { return loss_entry(type).task; }

}  // namespace bx
