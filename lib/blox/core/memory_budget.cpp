#include "blox/core/memory_budget.h"

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/physical_memory.h"

namespace bx {
thread_local ActivationTally* ActivationTally::live_ = nullptr;

void require_memory(const std::string& what, double bytes, const std::string& hint) {
  const double memory = physical_memory_bytes();
  if (bytes <= memory) return;
  throw ConfigError(fmt::format("{} needs {:.3g} GB, more than this machine's {:.3g} GB of memory; hint: {}", what,
                                bytes / 1e9, memory / 1e9, hint));
}

ActivationTally::ActivationTally() : outer_(live_) { live_ = this; }

ActivationTally::~ActivationTally() { live_ = outer_; }

}  // namespace bx
