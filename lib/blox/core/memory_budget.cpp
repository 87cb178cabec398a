#include "blox/core/memory_budget.h"

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/physical_memory.h"

namespace bx {
namespace {

thread_local ActivationTally* live_tally = nullptr;

}  // namespace

void require_memory(const std::string& what, double bytes, const std::string& hint) {
  const double memory = physical_memory_bytes();
  if (bytes <= memory) return;
  throw ConfigError(fmt::format("{} needs {:.3g} GB, more than this machine's {:.3g} GB of memory; hint: {}", what,
                                bytes / 1e9, memory / 1e9, hint));
}

ActivationTally::ActivationTally() : outer_(live_tally) { live_tally = this; }

ActivationTally::~ActivationTally() { live_tally = outer_; }

void ActivationTally::add(double bytes) {
  if (live_tally) live_tally->bytes_ += bytes;
}

}  // namespace bx
