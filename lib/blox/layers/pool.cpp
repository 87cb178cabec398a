// Pools through libtorch's pooling kernels; asymmetric "same" padding is applied to the input.
#include "blox/layers/pool.h"

#include <limits>

#include <ATen/ops/avg_pool1d.h>
#include <ATen/ops/avg_pool2d.h>
#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/max_pool1d.h>
#include <ATen/ops/max_pool2d.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/schema/settings.h"

namespace bx {
namespace {

std::string pool_kind(PoolKind kind, int dims) {
  return fmt::format("{}Pool{}D", kind == PoolKind::max ? "Max" : "Avg", dims);
}

}  // namespace

template <PoolKind K, int N>
Pool<K, N>::Pool(Graph graph, PoolSettings settings)
    : Layer(std::move(graph), pool_kind(K, N)), settings_(std::move(settings)) {
  const std::string where = fmt::format("{} '{}'", kind(), path());
  check_settings(settings_, where);
  per_dim(settings_.window, N, "window", where);  // throws unless one value or one per dim
  if (!settings_.stride.empty()) per_dim(settings_.stride, N, "stride", where);
  if (settings_.padding.kind == Padding::Kind::explicit_amounts) {
    // libtorch's pools refuse more padding than half the window (a window of padding only).
    const auto window = per_dim(settings_.window, N, "window", where);
    const auto amounts = per_dim(settings_.padding.amounts, N, "padding", where);
    for (int d = 0; d < N; ++d) {
      if (amounts[d] < 0 || 2 * amounts[d] > window[d]) {
        throw SettingError("padding", fmt::format("{}: padding {} must be between 0 and half the window {}", where,
                                                  amounts[d], window[d]));
      }
    }
  }
}

template <PoolKind K, int N>
Layer::Output Pool<K, N>::forward(Params params, const at::Tensor& x, Mode) const {
  const std::string where = fmt::format("{} '{}'", kind(), path());
  if (x.dim() != N + 2) {
    throw ShapeError(fmt::format("{}: expected input (B, C{}), got shape {}", where, N == 1 ? ", L" : ", H, W",
                                 format_shape(x.sizes())));
  }
  const auto window = per_dim(settings_.window, N, "window", where);
  const auto stride = settings_.stride.empty() ? window : per_dim(settings_.stride, N, "stride", where);
  const std::vector<int64_t> dilation(N, 1);
  const auto pads = resolve_padding(settings_.padding, x.sizes().slice(2), window, stride, dilation, where);
  at::Tensor input = x;
  std::vector<int64_t> padding(N, 0);
  if (settings_.padding.kind == Padding::Kind::same) {
    // libtorch caps implicit padding at half the window, so "same" pads the input itself.
    const double fill = K == PoolKind::max ? -std::numeric_limits<double>::infinity() : 0.0;
    input = at::constant_pad_nd(x, constant_pad_arg(pads), fill);
  } else {
    padding = before_amounts(pads);
  }
  for (int d = 0; d < N; ++d) {
    if (input.size(2 + d) + 2 * padding[d] < window[d]) {
      throw ShapeError(fmt::format("{}: input shape {} is smaller than the window {}", where, format_shape(x.sizes()),
                                   format_shape(window)));
    }
  }
  at::Tensor y;
  if constexpr (K == PoolKind::max && N == 1) y = at::max_pool1d(input, window, stride, padding);
  if constexpr (K == PoolKind::max && N == 2) y = at::max_pool2d(input, window, stride, padding);
  if constexpr (K == PoolKind::average && N == 1) y = at::avg_pool1d(input, window, stride, padding);
  if constexpr (K == PoolKind::average && N == 2) y = at::avg_pool2d(input, window, stride, padding);
  return {y, std::move(params)};
}

template class Pool<PoolKind::max, 1>;
template class Pool<PoolKind::max, 2>;
template class Pool<PoolKind::average, 1>;
template class Pool<PoolKind::average, 2>;

GlobalAvgPool::GlobalAvgPool(Graph graph) : Layer(std::move(graph), "GlobalAvgPool") {}

Layer::Output GlobalAvgPool::forward(Params params, const at::Tensor& x, Mode) const {
  if (x.dim() < 3) {
    throw ShapeError(fmt::format("GlobalAvgPool '{}': expected input (B, C, spatial...), got shape {}", path(),
                                 format_shape(x.sizes())));
  }
  std::vector<int64_t> spatial;
  for (int64_t d = 2; d < x.dim(); ++d) spatial.push_back(d);
  return {x.mean(spatial), std::move(params)};
}



void register_pools(LayerRegistry& registry) {
  registry.add("max_pool1d", "max over windows of (B, C, L)", PoolSettings{},
               [](LayerBuild& b, const PoolSettings& s) { return std::make_shared<MaxPool1D>(b.graph, s); });
  registry.add("max_pool2d", "max over windows of (B, C, H, W)", PoolSettings{},
               [](LayerBuild& b, const PoolSettings& s) { return std::make_shared<MaxPool2D>(b.graph, s); });
  registry.add("avg_pool1d", "mean over windows of (B, C, L)", PoolSettings{},
               [](LayerBuild& b, const PoolSettings& s) { return std::make_shared<AvgPool1D>(b.graph, s); });
  registry.add("avg_pool2d", "mean over windows of (B, C, H, W)", PoolSettings{},
               [](LayerBuild& b, const PoolSettings& s) { return std::make_shared<AvgPool2D>(b.graph, s); });
  registry.add("global_avg_pool", "mean over every spatial axis: (B, C, ...) -> (B, C)", NoSettings{},
               [](LayerBuild& b, const NoSettings&) { return std::make_shared<GlobalAvgPool>(b.graph); });
}

}  // namespace bx
