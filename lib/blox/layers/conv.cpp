// Convolutions through at::convolution, which covers 1-D, 2-D and transposed alike.
#include "blox/layers/conv.h"

#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/convolution.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/core/memory_layout.h"
#include "blox/core/param_scope.h"
#include "blox/schema/settings.h"

namespace bx {
namespace {

const char* conv_kind(int dims, bool transposed) {
  if (transposed) return "ConvTranspose2D";
  return dims == 1 ? "Conv1D" : "Conv2D";
}

// Each field's own range is its Rule; here the rules between fields and the per-dim counts.
void validate(const ConvSettings& s, size_t dims, const std::string& where) {
  check_settings(s, where);
  if (s.output_channels % s.groups != 0) {
    throw SettingError("groups", fmt::format("{}: groups must divide output_channels {}, got {}", where,
                                             s.output_channels, s.groups));
  }
  for (const auto& [values, what] : {std::pair{&s.kernel_size, "kernel_size"}, std::pair{&s.stride, "stride"},
                                     std::pair{&s.dilation, "dilation"}}) {
    per_dim(*values, dims, what, where);  // throws unless one value or one per dim
  }
  if (s.padding.kind == Padding::Kind::explicit_amounts) {
    for (int64_t v : per_dim(s.padding.amounts, dims, "padding", where)) {
      if (v < 0) throw SettingError("padding", fmt::format("{}: padding: expected an integer >= 0, got {}", where, v));
    }
  }
}

int64_t input_channels(const at::Tensor& x, int dims, int64_t groups, const std::string& where) {
  if (x.dim() != dims + 2) {
    throw ShapeError(fmt::format("{}: expected input (B, C{}), got shape {}", where, dims == 1 ? ", L" : ", H, W",
                                 format_shape(x.sizes())));
  }
  const int64_t channels = x.size(1);
  if (channels % groups != 0) {
    throw ShapeError(fmt::format("{}: input channels {} are not divisible by groups {}", where, channels, groups));
  }
  return channels;
}

}  // namespace

template <int N>
Conv<N>::Conv(Graph graph, ConvSettings settings, std::shared_ptr<const Rng> rng)
    : Layer(std::move(graph), conv_kind(N, false), std::move(rng)), settings_(std::move(settings)) {
  validate(settings_, N, fmt::format("{} '{}'", kind(), path()));
}

template <int N>
Layer::Output Conv<N>::forward(Params params, const at::Tensor& x, Mode) const {
  const std::string where = fmt::format("{} '{}'", kind(), path());
  const ConvSettings& s = settings_;
  const int64_t in = input_channels(x, N, s.groups, where);
  const auto k = per_dim(s.kernel_size, N, "kernel_size", where);
  const auto stride = per_dim(s.stride, N, "stride", where);
  const auto dilation = per_dim(s.dilation, N, "dilation", where);
  Shape kernel_shape{s.output_channels, in / s.groups};
  kernel_shape.insert(kernel_shape.end(), k.begin(), k.end());
  const double receptive = static_cast<double>(num_elements(k));
  const Init kernel_init = s.kernel_init.with_fans(
      {receptive * static_cast<double>(in / s.groups), receptive * static_cast<double>(s.output_channels / s.groups)});
  ParamScope p(*this, std::move(params), x.device());
  // A channels-last kernel is created in NHWC (ParamOptions::channels_last) and training keeps it
  // so (in_layout_of); one stored otherwise (read from a file for predict) is converted below.
  const bool nhwc = N == 2 && s.channels_last;
  at::Tensor kernel = p.get("kernel", kernel_shape, kernel_init, ParamOptions{true, x.device(), {}, nhwc});
  const at::Tensor bias = s.use_bias ? p.get("bias", {s.output_channels}, s.bias_init) : at::Tensor();

  const auto pads = resolve_padding(s.padding, x.sizes().slice(2), k, stride, dilation, where);
  at::Tensor input = x;
  std::vector<int64_t> conv_padding(N, 0);
  if (is_symmetric(pads)) {
    conv_padding = before_amounts(pads);
  } else {
    input = at::constant_pad_nd(x, constant_pad_arg(pads), 0.0);
  }
  for (int d = 0; d < N; ++d) {
    const int64_t padded = input.size(2 + d) + 2 * conv_padding[d];
    if (padded < (k[d] - 1) * dilation[d] + 1) {
      throw ShapeError(fmt::format("{}: input shape {} is smaller than the kernel {} (dilation {}) in spatial dim {}",
                                   where, format_shape(x.sizes()), format_shape(k), format_shape(dilation), d));
    }
  }
  if (nhwc) {
    // Same values, NHWC memory: libtorch then takes oneDNN's faster channels-last kernels, and
    // batch norm, ReLU and pooling after it keep that layout.
    input = with_channels_last_strides(input);
    kernel = with_channels_last_strides(kernel);
  }
  std::vector<int64_t> no_output_padding(N, 0);
  return {at::convolution(input, kernel, bias, stride, conv_padding, dilation, /*transposed=*/false, no_output_padding,
                          s.groups),
          p.release()};
}

template class Conv<1>;
template class Conv<2>;

std::pair<std::vector<int64_t>, std::vector<int64_t>> transposed_padding(const ConvSettings& s,
                                                                         const std::vector<int64_t>& k,
                                                                         const std::vector<int64_t>& stride,
                                                                         const std::vector<int64_t>& dilation,
                                                                         const std::string& where) {
  auto output_padding = per_dim(s.output_padding, 2, "output_padding", where);
  std::vector<int64_t> padding(2, 0);
  if (s.padding.kind == Padding::Kind::explicit_amounts) {
    padding = per_dim(s.padding.amounts, 2, "padding", where);
  } else if (s.padding.kind == Padding::Kind::same) {
    // out = (in - 1) * stride - 2 p + dilation (k - 1) + output_padding + 1 = in * stride
    for (int d = 0; d < 2; ++d) {
      const int64_t excess = dilation[d] * (k[d] - 1) + 1 - stride[d];
      if (excess < 0) {
        throw ConfigError(fmt::format("{}: padding 'same' needs dilation * (kernel_size - 1) + 1 >= stride", where));
      }
      padding[d] = (excess + 1) / 2;
      output_padding[d] = 2 * padding[d] - excess;
    }
  }
  return {padding, output_padding};
}

ConvTranspose2D::ConvTranspose2D(Graph graph, ConvSettings settings, std::shared_ptr<const Rng> rng)
    : Layer(std::move(graph), conv_kind(2, true), std::move(rng)), settings_(std::move(settings)) {
  validate(settings_, 2, fmt::format("{} '{}'", kind(), path()));
}

Layer::Output ConvTranspose2D::forward(Params params, const at::Tensor& x, Mode) const {
  const std::string where = fmt::format("{} '{}'", kind(), path());
  const ConvSettings& s = settings_;
  const int64_t in = input_channels(x, 2, s.groups, where);
  const auto k = per_dim(s.kernel_size, 2, "kernel_size", where);
  const auto stride = per_dim(s.stride, 2, "stride", where);
  const auto dilation = per_dim(s.dilation, 2, "dilation", where);
  const auto [padding, output_padding] = transposed_padding(s, k, stride, dilation, where);
  const double receptive = static_cast<double>(num_elements(k));
  const Init kernel_init = s.kernel_init.with_fans(
      {receptive * static_cast<double>(in / s.groups), receptive * static_cast<double>(s.output_channels / s.groups)});
  ParamScope p(*this, std::move(params), x.device());
  const at::Tensor kernel = p.get("kernel", {in, s.output_channels / s.groups, k[0], k[1]}, kernel_init);
  const at::Tensor bias = s.use_bias ? p.get("bias", {s.output_channels}, s.bias_init) : at::Tensor();
  return {at::convolution(x, kernel, bias, stride, padding, dilation, /*transposed=*/true, output_padding, s.groups),
          p.release()};
}

void register_convolutions(LayerRegistry& registry) {
  registry.add("conv1d", "convolution over (B, C, L)", ConvSettings{ConvVariant::conv1d},
               [](LayerBuild& b, const ConvSettings& s) { return std::make_shared<Conv1D>(b.graph, s, b.rng); });
  registry.add("conv2d", "convolution over (B, C, H, W)", ConvSettings{ConvVariant::conv2d},
               [](LayerBuild& b, const ConvSettings& s) { return std::make_shared<Conv2D>(b.graph, s, b.rng); });
  registry.add("conv_transpose2d", "transposed convolution over (B, C, H, W)", ConvSettings{ConvVariant::transposed2d},
               [](LayerBuild& b, const ConvSettings& s) { return std::make_shared<ConvTranspose2D>(b.graph, s, b.rng); });
}

}  // namespace bx
