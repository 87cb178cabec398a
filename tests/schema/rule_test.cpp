#include "blox/schema/rule.h"

#include <cmath>

#include <doctest/doctest.h>

using namespace bx;

TEST_CASE("Rule: bounds describe themselves and name what a value breaks") {
  CHECK(Rule().describe() == "");
  CHECK(Rule::positive().describe() == "> 0");
  CHECK(Rule::non_negative().describe() == ">= 0");
  CHECK(Rule::fraction().describe() == "in [0, 1)");
  CHECK(Rule().above(0).below(1).describe() == "in (0, 1)");
  CHECK(Rule().at_most(2).describe() == "<= 2");

  CHECK_FALSE(Rule::fraction().violation(0.0, false));
  CHECK(Rule::fraction().violation(1.0, false) == std::optional<std::string>("expected a value in [0, 1), got 1"));
  CHECK(Rule::positive().violation(0, true) == std::optional<std::string>("expected an integer > 0, got 0"));
  CHECK(Rule::non_negative().violation(-5, true) == std::optional<std::string>("expected an integer >= 0, got -5"));
  // NaN breaks any bound (a NaN learning rate or clip norm must not pass as "in range").
  CHECK(Rule::non_negative().violation(std::nan(""), false));
  CHECK_FALSE(Rule().violation(std::nan(""), false) == std::nullopt);
  CHECK(Rule::non_negative().violation(INFINITY, false) == std::optional<std::string>("expected a value >= 0, got inf"));
}

TEST_CASE("Rule: choices, required and classes") {
  const Rule r = Rule::one_of({"fused", "unrolled"});
  CHECK(r.describe() == "one of fused, unrolled");
  CHECK_FALSE(r.violation(std::string("fused")));
  CHECK(r.violation(std::string("scan")) == std::optional<std::string>("expected one of fused, unrolled, got 'scan'"));
  CHECK(Rule::size().is_required());
  CHECK(Rule::size().takes_classes());
  CHECK_FALSE(Rule::positive().is_required());
  CHECK(Rule::non_negative().or_classes().takes_classes());
}
