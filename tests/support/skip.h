// A test case that cannot run here says so and is counted as skipped, never as passed: the ctest
// entry (one per test file) then exits 77, which ctest reports as "Skipped" with the reason
// printed (tests/support/doctest_main.h).
#pragma once

#include <cstdlib>
#include <iostream>
#include <string>

#include <doctest/doctest.h>

// Built under AddressSanitizer: its malloc replaces glibc's and keeps freed blocks in a
// quarantine, so tests of allocator thresholds or peak memory do not apply.
#if defined(__SANITIZE_ADDRESS__)
#define BLOX_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BLOX_UNDER_ASAN 1
#endif
#endif

namespace bx::test {

/// Set by skip_missing / skip_inapplicable; read by the suite's main.
inline bool& skipped_any() {
  static bool skipped = false;
  return skipped;
}

/// Whether this runs under CI (CI=true), where scripts/setup has installed every tool.
inline bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/// What the test needs is not installed here (a tool, a data set, a Python package): the test
/// case is skipped with `reason`; under CI, where setup installs it, that is a failure.
/// Call it, then return from the test case.
inline void skip_missing(const std::string& reason) {
  if (under_ci()) {
    FAIL_CHECK("missing under CI (scripts/setup should have installed it): " << reason);
    return;
  }
  std::cout << "skipped: " << reason << std::endl;
  skipped_any() = true;
}

/// The test does not apply to this build or machine (AddressSanitizer's allocator, a visible
/// GPU): skipped with `reason`, under CI too. Call it, then return from the test case.
inline void skip_inapplicable(const std::string& reason) {
  std::cout << "skipped: " << reason << std::endl;
  skipped_any() = true;
}

}  // namespace bx::test
