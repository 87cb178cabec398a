// BatchNorm: per-channel normalization with running statistics kept as non-trainable params.
#pragma once

#include "blox/core/module.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of BatchNorm; field names are the YAML keys.
struct BatchNormSettings {
  double momentum = 0.9;  ///< running = momentum * running + (1 - momentum) * batch; in [0, 1)
  double eps = 1e-5;      ///< > 0
  bool use_scale = true;
  bool use_bias = true;

  template <class Visit>
  void fields(Visit& visit) {
    visit("momentum", momentum, Rule::fraction(),
          "running = momentum * running + (1 - momentum) * batch (Keras' convention; PyTorch's momentum is 1 - "
          "this: 0.9 here is momentum=0.1 in torch.nn.BatchNorm2d)");
    visit("eps", eps, Rule::positive(), "added to the variance");
    visit("use_scale", use_scale, Rule(), "a learned scale");
    visit("use_bias", use_bias, Rule(), "a learned bias");
  }
};

/// The meta "tag" of a BatchNorm's running statistics (`mean`, `var`).
inline constexpr const char* kBatchNormStatistic = "batch_norm_statistic";

/// The meta entry (value "true") that fixes a BatchNorm's running statistics in training too
/// (finetune.freeze_batch_stats, on its `mean` param): the layer then normalizes with them and
/// leaves them unchanged, as in eval (Keras' frozen BatchNormalization).
inline constexpr const char* kFixedStatistics = "fixed_statistics";

/// Normalizes over every axis but the channel axis 1, for (B, C), (B, C, L) and (B, C, H, W).
/// Params: `scale` and `bias` [C] (trainable), `mean` and `var` [C] (non-trainable running
/// statistics; var is the unbiased batch variance, as in PyTorch). Training uses batch
/// statistics and returns params with updated running statistics, unless `mean` is marked
/// kFixedStatistics; eval uses the running ones and returns params unchanged.
class BatchNorm final : public Layer {
 public:
  /// Throws ConfigError when momentum is outside [0, 1) or eps <= 0.
  BatchNorm(Graph graph, BatchNormSettings settings = {});

  const BatchNormSettings& settings() const { return settings_; }

 protected:
  // x: (B, C, ...) -> same shape
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  BatchNormSettings settings_;
};

}  // namespace bx
