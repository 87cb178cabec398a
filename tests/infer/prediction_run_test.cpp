// predict's choices checked before any model is loaded.
#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/infer/prediction_run.h"

using namespace bx;

TEST_CASE("prediction_format: from the output's extension unless given; safetensors needs a file, --limit needs safetensors") {
  PredictionRequest r;
  CHECK(prediction_format(r) == "csv");
  r.output = "p.jsonl";
  CHECK(prediction_format(r) == "jsonl");
  r.output = "p.safetensors";
  CHECK(prediction_format(r) == "safetensors");
  r.format = "csv";
  CHECK(prediction_format(r) == "csv");
  r.output.clear();
  r.format = "safetensors";
  CHECK_THROWS_WITH_AS(prediction_format(r), doctest::Contains("needs -o FILE"), ConfigError);
  r.format = "jsonl";
  r.limit = 3;
  CHECK_THROWS_WITH_AS(prediction_format(r), doctest::Contains("--limit: applies to --format safetensors only"),
                       ConfigError);
}
