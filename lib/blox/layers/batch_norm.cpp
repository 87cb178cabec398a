// BatchNorm through at::batch_norm. In training it updates running statistics in place, so it
// gets fresh copies: the params passed in never change, the copies become the new state.
#include "blox/layers/batch_norm.h"

#include <ATen/ops/batch_norm.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/core/param_scope.h"
#include "blox/schema/settings.h"
#include "blox/layers/affine.h"

namespace bx {

BatchNorm::BatchNorm(Graph graph, BatchNormSettings settings)
    : Layer(std::move(graph), "BatchNorm"), settings_(settings) {
  check_settings(settings_, fmt::format("BatchNorm '{}'", path()));
}

Layer::Output BatchNorm::forward(Params params, const at::Tensor& x, Mode mode) const {
  if (x.dim() < 2) {
    throw ShapeError(fmt::format("BatchNorm '{}': expected input (B, C, ...), got shape {}", path(), format_shape(x.sizes())));
  }
  const int64_t channels = x.size(1);
  const Param* stored_mean = params.find(param_path("mean"));
  const bool fixed = stored_mean && stored_mean->meta.count(kFixedStatistics) > 0;
  ParamScope p(*this, std::move(params), x.device());
  const auto [scale, bias] = affine_params(p, channels, settings_.use_scale, settings_.use_bias);
  const ParamOptions statistic{false, x.device(), {{"tag", kBatchNormStatistic}}};
  const at::Tensor mean = p.get("mean", {channels}, init::zeros(), statistic);
  const at::Tensor var = p.get("var", {channels}, init::ones(), statistic);
  if (!is_training(mode) || fixed) {
    return {at::batch_norm(x, scale, bias, mean, var, false, 0.0, settings_.eps, true), p.release()};
  }
  if (x.numel() / channels <= 1) {
    throw ShapeError(fmt::format("BatchNorm '{}': training needs more than one value per channel, got shape {}", path(),
                                 format_shape(x.sizes())));
  }
  at::Tensor new_mean = mean.detach().clone();
  at::Tensor new_var = var.detach().clone();
  at::Tensor y = at::batch_norm(x, scale, bias, new_mean, new_var, true, 1.0 - settings_.momentum, settings_.eps, true);
  p.set("mean", std::move(new_mean));
  p.set("var", std::move(new_var));
  return {std::move(y), p.release()};
}


void register_batch_norm(LayerRegistry& registry) {
  registry.add("batch_norm", "normalizes over the batch (and space) per channel; running statistics for eval",
               BatchNormSettings{}, [](LayerBuild& b, const BatchNormSettings& s) { return std::make_shared<BatchNorm>(b.graph, s); });
}

}  // namespace bx
