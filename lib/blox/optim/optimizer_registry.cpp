#include "blox/optim/optimizer_registry.h"

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

std::shared_ptr<const Optimizer> OptimizerRegistry::build(Options o) const {
  const std::string type = o.string("type", "adam");
  SharedOptimizerKeys shared;
  shared.no_decay = o.strings("no_decay", {});
  for (Options entry : o.sections("lr_mult")) {
    LrMult m;
    m.params = entry.required_string("params");
    m.mult = entry.number("mult", 1.0);
    entry.check(m.mult >= 0 && m.mult <= 1e6, "mult", fmt::format("expected a multiplier in [0, 1e6], got {}", m.mult));
    entry.finish();
    shared.lr_mult.push_back(std::move(m));
  }
  const OptimizerBuilder* builder = types_.find(o, "type", type);
  if (!builder) return nullptr;  // its other keys mean nothing without a known type
  std::shared_ptr<const Optimizer> out;
  try {
    out = (*builder)(o, shared);
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
