// Per-example normalizations: LayerNorm and RMSNorm over the last axis, GroupNorm over channel groups.
#pragma once

#include "blox/core/module.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of LayerNorm and RMSNorm; field names are the YAML keys.
struct LayerNormSettings {
  double eps = 1e-5;  ///< > 0
  bool use_scale = true;
  bool use_bias = true;  ///< RMSNorm has no bias and rejects use_bias: true
  bool use_bias_key = true;  ///< not a key: false for rms_norm, which has no use_bias

  template <class Visit>
  void fields(Visit& visit) {
    visit("eps", eps, Rule::positive(), "added to the variance");
    visit("use_scale", use_scale, Rule(), "a learned scale");
    if (use_bias_key) visit("use_bias", use_bias, Rule(), "a learned bias");
  }
};

/// Normalizes the last axis to zero mean and unit variance. Params `scale`, `bias` [D].
class LayerNorm final : public Layer {
 public:
  LayerNorm(Graph graph, LayerNormSettings settings = {});

  const LayerNormSettings& settings() const { return settings_; }

 protected:
  // x: (..., D) -> same shape
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  LayerNormSettings settings_;
};

/// y = x / sqrt(mean(x^2 over the last axis) + eps) * scale. Params `scale` [D].
class RMSNorm final : public Layer {
 public:
  RMSNorm(Graph graph, LayerNormSettings settings = {1e-6, true, false});

  const LayerNormSettings& settings() const { return settings_; }

 protected:
  // x: (..., D) -> same shape
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  LayerNormSettings settings_;
};

/// Settings of GroupNorm; field names are the YAML keys.
struct GroupNormSettings {
  int64_t groups = 32;  ///< > 0; must divide the channels
  double eps = 1e-5;
  bool use_scale = true;
  bool use_bias = true;

  template <class Visit>
  void fields(Visit& visit) {
    visit("groups", groups, Rule::positive(), "channel groups; must divide the channels");
    visit("eps", eps, Rule::positive(), "added to the variance");
    visit("use_scale", use_scale, Rule(), "a learned scale");
    visit("use_bias", use_bias, Rule(), "a learned bias");
  }
};

/// Normalizes each group of channels over (channels in group, spatial...). Params `scale`,
/// `bias` [C].
class GroupNorm final : public Layer {
 public:
  GroupNorm(Graph graph, GroupNormSettings settings = {});

  const GroupNormSettings& settings() const { return settings_; }

 protected:
  // x: (B, C, ...) -> same shape
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  GroupNormSettings settings_;
};

}  // namespace bx
