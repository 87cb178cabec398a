// Pooling: MaxPool1D/2D, AvgPool1D/2D and global average pooling over channels-first inputs.
#pragma once

#include <vector>

#include "blox/core/module.h"
#include "blox/core/padding.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of the windowed pools; field names are the YAML keys.
struct PoolSettings {
  std::vector<int64_t> window{2};  ///< one per spatial dim, or one for all; each > 0
  std::vector<int64_t> stride{};   ///< empty: equal to window
  Padding padding = Padding::valid();

  template <class Visit>
  void fields(Visit& visit) {
    visit("window", window, Rule::positive(), "one per spatial dim, or one for all");
    visit("stride", stride, Rule::positive(), "[]: equal to window");
    visit("padding", padding, Rule(), "valid, same, an integer or a list");
  }
};

enum class PoolKind { max, average };

/// Windowed pooling over the N spatial dims. Creates no params. "same" padding pads with -inf
/// (max) or zeros that count in the average (average), as libtorch's explicit padding does.
template <PoolKind K, int N>
class Pool final : public Layer {
 public:
  Pool(Graph graph, PoolSettings settings);

  const PoolSettings& settings() const { return settings_; }

 protected:
  // x: (B, C, spatial...) -> (B, C, spatial'...)
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  PoolSettings settings_;
};

using MaxPool1D = Pool<PoolKind::max, 1>;
using MaxPool2D = Pool<PoolKind::max, 2>;
using AvgPool1D = Pool<PoolKind::average, 1>;
using AvgPool2D = Pool<PoolKind::average, 2>;

/// Mean over all spatial dims. Creates no params.
class GlobalAvgPool final : public Layer {
 public:
  explicit GlobalAvgPool(Graph graph);

 protected:
  // x: (B, C, spatial...) -> (B, C)
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;
};

}  // namespace bx
