// OptimizerRegistry: YAML optimizer type names to their settings and builders.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "blox/optim/optimizer.h"
#include "blox/schema/options.h"
#include "blox/schema/settings.h"
#include "blox/schema/type_registry.h"

namespace bx {

/// The keys every optimizer takes besides its own.
struct SharedOptimizerKeys {
  std::vector<std::string> no_decay;
  std::vector<LrMult> lr_mult;
};

/// Builds one optimizer from the `optimizer:` mapping (past `type`), with the shared keys.
using OptimizerBuilder = std::function<std::shared_ptr<const Optimizer>(Options& options, const SharedOptimizerKeys& shared)>;

/// Filled by explicit register_* calls, one per optimizer file; duplicates are refused.
class OptimizerRegistry {
 public:
  OptimizerRegistry() : types_("optimizer") {}

  /// Optimizer O built from settings S (keys, rules and help from S's field list), read over
  /// `defaults`. S has a `no_decay` member, filled from the shared key; lr_mult is set on O.
  template <class O, class S>
  void add(const std::string& type, const std::string& summary, S defaults) {
    types_.add(type, {summary, settings_doc(defaults)},
               [defaults](Options& options, const SharedOptimizerKeys& shared) -> std::shared_ptr<const Optimizer> {
                 auto settings = read_settings(options, defaults);
                 if (!settings) return nullptr;
                 settings->no_decay = shared.no_decay;
                 auto built = std::make_shared<O>(*settings);
                 built->set_lr_mult(shared.lr_mult);
                 return built;
               });
  }

  std::vector<std::string> types() const { return types_.types(); }
  std::vector<std::pair<std::string, TypeDoc>> docs() const { return types_.docs(); }

  /// The `optimizer:` section (type default adam). Every problem becomes a diagnostic at its
  /// key; returns nullptr then.
  std::shared_ptr<const Optimizer> build(Options options) const;

 private:
  TypeRegistry<OptimizerBuilder> types_;
};

// Each is defined in its optimizer's own file under lib/blox/optim/.
void register_sgd(OptimizerRegistry& registry);
void register_adam(OptimizerRegistry& registry);  ///< adam and adamw
void register_rmsprop(OptimizerRegistry& registry);
void register_adagrad(OptimizerRegistry& registry);
void register_lion(OptimizerRegistry& registry);

/// Every optimizer blox ships.
const OptimizerRegistry& builtin_optimizers();

}  // namespace bx
