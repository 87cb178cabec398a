// SGD with momentum, dampening, Nesterov and L2 weight decay; state kept in a Params.
#pragma once

#include <string>

#include "blox/core/params.h"

namespace bx {

/// Settings of Sgd; field names are the YAML keys. Semantics match torch::optim::SGD.
struct SgdSettings {
  double learning_rate = 0.01;  ///< >= 0
  double momentum = 0.0;        ///< >= 0
  double dampening = 0.0;
  bool nesterov = false;        ///< needs momentum > 0 and dampening == 0
  double weight_decay = 0.0;    ///< L2 penalty added to the gradient, >= 0
};

/// The optimizer's state is a Params: `optim/sgd/step` (int64 scalar, kept on the CPU) and, with momentum,
/// `optim/sgd/momentum/<param path>` for every trainable path, all non-trainable.
class Sgd {
 public:
  /// Throws ConfigError naming the bad value (e.g. "learning_rate must be >= 0, got -0.1").
  explicit Sgd(SgdSettings settings);

  const SgdSettings& settings() const { return settings_; }

  /// Fresh state for these trainable params.
  Params init(const Params& trainable) const;

  struct Result {
    Params params;
    Params state;
  };
  /// One update. `params` and `grads` must have the same paths. Both rvalue arguments are
  /// taken over (left empty); buffers they alone held are updated in place (donation), and a
  /// buffer still held elsewhere is left untouched and replaced by a new tensor.
  Result step(Params&& params, const Params& grads, Params&& state) const;

  static std::string momentum_path(const std::string& param_path);
  static const std::string& step_path();

 private:
  SgdSettings settings_;
};

}  // namespace bx
