// Losses flatten sequence outputs so language models and classifiers share one code path.
#include "blox/optim/loss.h"

#include <ATen/ops/cross_entropy_loss.h>
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

}  // namespace

const TypeRegistry<LossMaker>& builtin_losses() {
  static const TypeRegistry<LossMaker> kBuiltin = [] {
    TypeRegistry<LossMaker> r("loss");
    r.add("cross_entropy", {"softmax cross entropy of logits against class indices", {}}, [](const LossSettings& s) -> LossFn {
      const double smoothing = s.label_smoothing;
      return [smoothing](const at::Tensor& output, const at::Tensor& targets) {
        auto [x, y] = flat(output, targets);
        return at::cross_entropy_loss(x, y, {}, at::Reduction::Mean, -100, smoothing);
      };
    });
    r.add("nll", {"negative log-likelihood of log-probabilities against class indices", {}}, [](const LossSettings&) -> LossFn {
      return [](const at::Tensor& output, const at::Tensor& targets) {
        auto [x, y] = flat(output, targets);
        return at::nll_loss(x, y);
      };
    });
    r.add("mse", {"mean squared error against float targets of the same size", {}}, [](const LossSettings&) -> LossFn {
      return [](const at::Tensor& output, const at::Tensor& targets) {
        return (output.reshape({-1}) - targets.to(output.scalar_type()).reshape({-1})).pow(2).mean();
      };
    });
    return r;
  }();
  return kBuiltin;
}

std::vector<std::string> loss_types() { return builtin_losses().types(); }

LossFn make_loss(const LossSettings& settings) {
  const LossMaker* maker = builtin_losses().get(settings.type);
  if (!maker) throw ConfigError(fmt::format("unknown loss '{}' (known: {})", settings.type, fmt::join(loss_types(), ", ")));
  return (*maker)(settings);
}

}  // namespace bx
