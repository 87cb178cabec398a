// Dropout: zeroes each element with probability `rate` in training, scaling the rest by 1/(1-rate).
#pragma once

#include <memory>

#include "blox/core/module.h"
#include "blox/core/rng.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of Dropout; field names are the YAML keys.
struct DropoutSettings {
  double rate = 0.5;  ///< in [0, 1)

  template <class Visit>
  void fields(Visit& visit) {
    visit("rate", rate, Rule::fraction(), "probability of zeroing an element in training");
  }
};

/// Creates no params. In training with rate > 0 it takes one key from its Rng (so the
/// returned params carry the Rng counter + 1); in eval mode or with rate 0 it is the identity
/// and params come back unchanged.
class Dropout final : public Layer {
 public:
  /// Throws ConfigError when rate is outside [0, 1), or when rate > 0 and `rng` is null.
  Dropout(Graph graph, DropoutSettings settings, std::shared_ptr<const Rng> rng);

  const DropoutSettings& settings() const { return settings_; }

 protected:
  // x: any shape -> same shape
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  DropoutSettings settings_;
};

}  // namespace bx
