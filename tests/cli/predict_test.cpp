// blox predict chooses its split as eval does.
#include "support/run_helpers.h"

using namespace bx::test;

TEST_CASE("predict without --data on a run with no test split predicts the validation split, as eval does") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet --set data.test='' --set data.test_labels='' "
                         "--set data.validation_fraction=0.2 --set checkpoint.keep_best=''")
              .exit_code == 0);
  const Result r = blox(dir.path, "predict run/last.safetensors -o rows.csv");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("no test split in this config: evaluating the validation split") != std::string::npos);
  CHECK(lines(dir.path / "rows.csv") == 1 + 200);  // a header and 20 % of the 1000 training images
}
