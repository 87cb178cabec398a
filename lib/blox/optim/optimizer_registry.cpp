#include "blox/optim/optimizer_registry.h"

#include "blox/core/errors.h"

namespace bx {

std::shared_ptr<const Optimizer> OptimizerRegistry::build(Options o) const {
  const std::string type = o.string("type", "adam");
  const std::vector<std::string> no_decay = o.strings("no_decay", {});
  const OptimizerBuilder* builder = types_.find(o, "type", type);
  if (!builder) return nullptr;  // its other keys mean nothing without a known type
  std::shared_ptr<const Optimizer> out;
  try {
    out = (*builder)(o, no_decay);
  } catch (const SettingError& e) {
    o.error(o.has(e.field()) ? e.field() : "type", e.what());
  }
  o.finish();
  return out;
}

const OptimizerRegistry& builtin_optimizers() {
  static const OptimizerRegistry kBuiltin = [] {
    OptimizerRegistry r;
    register_sgd(r);
    register_adam(r);
    register_rmsprop(r);
    register_adagrad(r);
    register_lion(r);
    return r;
  }();
  return kBuiltin;
}

}  // namespace bx
