// `dist:` — how a data-parallel run's processes wait on each other.
#pragma once

#include <cstdint>

#include "blox/schema/rule.h"

namespace bx {

struct DistSettings {
  int64_t timeout_seconds = 300;

  template <class Visit>
  void fields(Visit& visit) {
    visit("timeout_seconds", timeout_seconds, Rule::positive().resumable(),
          "a collective waiting longer on a dead or hung process fails the run");
  }
};

}  // namespace bx
