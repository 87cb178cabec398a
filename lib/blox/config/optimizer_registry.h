// OptimizerRegistry: YAML optimizer type names to parsers of their settings.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "blox/config/options.h"
#include "blox/optim/optimizer.h"

namespace bx {

/// Reads one optimizer's own keys from `options` (past `type` and `no_decay`, which every
/// optimizer shares) and builds it; validation errors are SettingError naming the key.
using OptimizerParser =
    std::function<std::shared_ptr<const Optimizer>(Options& options, const std::vector<std::string>& no_decay)>;

/// Filled by explicit register_* calls, one per optimizer file; duplicates are refused.
class OptimizerRegistry {
 public:
  /// Throws Error when `type` is registered already.
  void add(const std::string& type, OptimizerParser parser);
  std::vector<std::string> types() const;

  /// The `optimizer:` section (type default adam). Every problem becomes a diagnostic at its
  /// key; returns nullptr then.
  std::shared_ptr<const Optimizer> build(Options options) const;

  /// Every optimizer blox ships.
  static const OptimizerRegistry& builtin();

 private:
  std::map<std::string, OptimizerParser> parsers_;
};

// Each is defined in its optimizer's own file under lib/blox/optim/.
void register_sgd(OptimizerRegistry& registry);
void register_adam(OptimizerRegistry& registry);  ///< adam and adamw
void register_rmsprop(OptimizerRegistry& registry);
void register_adagrad(OptimizerRegistry& registry);
void register_lion(OptimizerRegistry& registry);

}  // namespace bx
