// eval's library side: assertions (parsed, checked, reported) and the default split.
#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/infer/evaluate.h"

using namespace bx;

TEST_CASE("Assertion: METRIC OP VALUE for each operator, and its text") {
  const Assertion a = Assertion::parse(" accuracy >= 0.9 ");
  CHECK(a.metric == "accuracy");
  CHECK(a.op == ">=");
  CHECK(a.value == doctest::Approx(0.9));
  CHECK(a.text() == "accuracy>=0.9");
  CHECK(a.holds(0.9));
  CHECK_FALSE(a.holds(0.8999));
  CHECK(Assertion::parse("loss<0.5").holds(0.4));
  CHECK_FALSE(Assertion::parse("loss<0.5").holds(0.5));
  CHECK(Assertion::parse("loss<=0.5").holds(0.5));
  CHECK(Assertion::parse("r2>-1").holds(0));
  CHECK(Assertion::parse("accuracy==1").holds(1.0));
  CHECK_FALSE(Assertion::parse("accuracy==1").holds(0.99));
}

TEST_CASE("Assertion: other text is a ConfigError saying the form") {
  for (const char* bad : {"accuracy", "accuracy=>0.9", ">=0.9", "accuracy>=", "accuracy>=0.9x"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(Assertion::parse(bad), doctest::Contains("expected METRIC OP VALUE"), ConfigError);
  }
  CHECK_THROWS_WITH_AS(Assertion::parse("accuracy>=1e"), doctest::Contains("is not a number"), ConfigError);
}

TEST_CASE("check_assertions: one result per assertion in order; a metric the run lacks names those it has") {
  const Metrics metrics{{"accuracy", 0.91}, {"loss", 0.3}};
  const auto results = check_assertions({Assertion::parse("accuracy>=0.9"), Assertion::parse("loss<0.2")}, metrics);
  REQUIRE(results.size() == 2);
  CHECK(results[0].ok);
  CHECK(results[0].value == doctest::Approx(0.91));
  CHECK_FALSE(results[1].ok);
  CHECK(results[1].value == doctest::Approx(0.3));
  CHECK_THROWS_WITH_AS(check_assertions({Assertion::parse("f1>0.5")}, metrics),
                       doctest::Contains("no metric 'f1' (this config computes: "), ConfigError);
}

TEST_CASE("default_split: test when there is test data or no validation split, else validation with a note") {
  DataConfig data;
  std::string note;
  data.test = "t.csv";
  data.validation_fraction = 0.2;
  CHECK(default_split(data, &note) == "test");
  CHECK(note.empty());
  data.test.clear();
  CHECK(default_split(data, &note) == "validation");
  CHECK(note.find("data.validation_fraction 0.2") != std::string::npos);
  data.validation_fraction = 0;
  CHECK(default_split(data) == "test");
}

TEST_CASE("Assertion: a value that only starts like a number is refused") {
  CHECK_THROWS_WITH_AS(Assertion::parse("accuracy>=0.9.1"), doctest::Contains("'0.9.1' is not a number"), ConfigError);
}
