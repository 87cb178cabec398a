// Flatten: merges all dimensions from start_axis on, e.g. images (B, C, H, W) -> (B, C*H*W).
#pragma once

#include "blox/core/module.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of Flatten; field names are the YAML keys.
struct FlattenSettings {
  int64_t start_axis = 1;  ///< keep the batch axis by default; must be >= 0

  template <class Visit>
  void fields(Visit& visit) {
    visit("start_axis", start_axis, Rule::non_negative(), "axes from this one on become one");
  }
};

/// Creates no params and keeps params unchanged.
class Flatten final : public Layer {
 public:
  explicit Flatten(Graph graph, FlattenSettings settings = {});

  const FlattenSettings& settings() const { return settings_; }

 protected:
  // x: (B, d1, d2, ...) -> (B, d1*d2*...)
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  FlattenSettings settings_;
};

}  // namespace bx
