// Losses flatten sequence outputs so language models and classifiers share one code path.
#include "blox/train/loss.h"

#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/nll_loss.h>
#include <fmt/format.h>

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

}  // namespace

LossFn make_loss(const LossConfig& config) {
  if (config.type == "mse") {
    return [](const at::Tensor& output, const at::Tensor& targets) {
      return (output.reshape({-1}) - targets.to(output.scalar_type()).reshape({-1})).pow(2).mean();
    };
  }
  if (config.type == "nll") {
    return [](const at::Tensor& output, const at::Tensor& targets) {
      auto [x, y] = flat(output, targets);
      return at::nll_loss(x, y);
    };
  }
  const double smoothing = config.label_smoothing;
  return [smoothing](const at::Tensor& output, const at::Tensor& targets) {
    auto [x, y] = flat(output, targets);
    return at::cross_entropy_loss(x, y, {}, at::Reduction::Mean, -100, smoothing);
  };
}

}  // namespace bx
