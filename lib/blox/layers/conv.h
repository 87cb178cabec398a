// Convolutions: Conv1D, Conv2D and ConvTranspose2D over channels-first inputs.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "blox/core/init.h"
#include "blox/core/module.h"
#include "blox/core/rng.h"
#include "blox/core/padding.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of Conv1D / Conv2D / ConvTranspose2D; field names are the YAML keys. Lists hold one
/// value per spatial dim, or one value for all.
/// Which convolution a ConvSettings configures: the keys differ (output_padding, channels_last).
enum class ConvVariant { conv1d, conv2d, transposed2d };

struct ConvSettings {
  ConvVariant variant = ConvVariant::conv2d;  ///< not a key: set by the layer type
  int64_t output_channels = 0;          ///< > 0, divisible by groups
  std::vector<int64_t> kernel_size{3};  ///< each > 0
  std::vector<int64_t> stride{1};       ///< each > 0
  Padding padding = Padding::valid();
  std::vector<int64_t> dilation{1};     ///< each > 0
  int64_t groups = 1;                   ///< input and output channels must divide by it
  bool use_bias = true;
  std::vector<int64_t> output_padding{0};  ///< ConvTranspose2D only: extra size at the end
  bool channels_last = true;            ///< Conv2D only: compute in NHWC memory (same values, faster)
  Init kernel_init = init::lecun_normal();
  Init bias_init = init::zeros();

  template <class Visit>
  void fields(Visit& visit) {
    visit("output_channels", output_channels, Rule::positive().required(), "divisible by groups");
    visit("kernel_size", kernel_size, Rule::positive(), "one per spatial dim, or one for all");
    visit("stride", stride, Rule::positive(), "one per spatial dim, or one for all");
    visit("padding", padding, Rule(), "valid, same, an integer or a list");
    visit("dilation", dilation, Rule::positive(), "one per spatial dim, or one for all");
    visit("groups", groups, Rule::positive(), "input and output channels must divide by it");
    visit("use_bias", use_bias, Rule(), "a learned bias");
    if (variant == ConvVariant::transposed2d) visit("output_padding", output_padding, Rule::non_negative(), "extra size at the end");
    if (variant == ConvVariant::conv2d) visit("channels_last", channels_last, Rule(), "compute in NHWC memory (same values, faster on CPU)");
    visit("kernel_init", kernel_init, Rule(), "initializer of the kernel");
    visit("bias_init", bias_init, Rule(), "initializer of the bias");
  }
};

/// N-D convolution. Input (B, C_in, spatial...), output (B, output_channels, spatial'...).
/// Params: `kernel` [out, in/groups, k...] (libtorch's layout: no transpose per step; init
/// fans are in/groups * prod(k) and out/groups * prod(k)) and `bias` [out], trainable.
template <int N>
class Conv final : public Layer {
 public:
  /// Throws ConfigError for non-positive sizes, a bad list length or channels not divisible by groups.
  Conv(Graph graph, ConvSettings settings, std::shared_ptr<const Rng> rng);

  const ConvSettings& settings() const { return settings_; }

 protected:
  // x: (B, C_in, L) -> (B, out, L') for N = 1; (B, C_in, H, W) -> (B, out, H', W') for N = 2
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  ConvSettings settings_;
};

using Conv1D = Conv<1>;
using Conv2D = Conv<2>;

/// ConvTranspose2D's libtorch `padding` and `output_padding` per spatial dim for kernel `k`,
/// with "same" resolved (output = input * stride); ConfigError naming `where` when impossible.
std::pair<std::vector<int64_t>, std::vector<int64_t>> transposed_padding(const ConvSettings& s,
                                                                         const std::vector<int64_t>& k,
                                                                         const std::vector<int64_t>& stride,
                                                                         const std::vector<int64_t>& dilation,
                                                                         const std::string& where);

/// Transposed 2-D convolution (the gradient of Conv2D): upsamples by `stride`.
/// Params: `kernel` [in, out/groups, kh, kw] (libtorch's layout) and `bias` [out].
/// Padding "same" gives output = input * stride; explicit amounts follow libtorch.
class ConvTranspose2D final : public Layer {
 public:
  ConvTranspose2D(Graph graph, ConvSettings settings, std::shared_ptr<const Rng> rng);

  const ConvSettings& settings() const { return settings_; }

 protected:
  // x: (B, C_in, H, W) -> (B, out, H', W')
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  ConvSettings settings_;
};

}  // namespace bx
