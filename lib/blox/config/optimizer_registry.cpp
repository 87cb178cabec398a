#include "blox/config/optimizer_registry.h"

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

void OptimizerRegistry::add(const std::string& type, OptimizerParser parser) {
  if (!parsers_.emplace(type, std::move(parser)).second) {
    throw Error(fmt::format("optimizer type '{}' is registered twice", type));
  }
}

std::vector<std::string> OptimizerRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [type, parser] : parsers_) out.push_back(type);
  return out;
}

std::shared_ptr<const Optimizer> OptimizerRegistry::build(Options o) const {
  const std::string type = o.choice("type", "adam", types());
  const std::vector<std::string> no_decay = o.strings("no_decay", {});
  std::shared_ptr<const Optimizer> out;
  auto parser = parsers_.find(type);
  if (parser != parsers_.end()) {
    try {
      out = parser->second(o, no_decay);
    } catch (const SettingError& e) {
      o.error(o.has(e.field()) ? e.field() : "type", e.what());
    }
  }
  o.finish();
  return out;
}

const OptimizerRegistry& OptimizerRegistry::builtin() {
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
