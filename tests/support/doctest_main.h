// The main of blox's doctest executables (included once per executable). Each ctest entry runs
// one test file (--source-file): an entry whose filters match no test case fails (it would pass
// having tested nothing), and one whose test cases skipped (support/skip.h) exits 77, which
// ctest reports as skipped with the printed reason, unless a test failed.
#pragma once

#include <cstdio>

#include <doctest/doctest.h>

#include "support/skip.h"

namespace bx::test {

/// Counts the test cases that pass the filters, as doctest's run reports them.
struct RunCounter : doctest::IReporter {
  static int& selected() {
    static int count = 0;
    return count;
  }
  explicit RunCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    selected() = static_cast<int>(stats.numTestCasesPassingFilters);
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

inline int run_doctest(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) return result;  // --help, --version, --list-*: no run
  if (result != 0) return result;
  if (RunCounter::selected() == 0) {
    std::fputs("error: no test case matched the filters; a ctest entry must run at least one\n", stderr);
    return 1;
  }
  return skipped_any() ? 77 : 0;
}

}  // namespace bx::test

DOCTEST_REGISTER_LISTENER("blox_run_counter", 0, bx::test::RunCounter);
