// LossTally: sums and the first bad step, read at once or deferred (as on a GPU).
#include <cmath>
#include <limits>

#include <ATen/ops/scalar_tensor.h>
#include <doctest/doctest.h>

#include "blox/train/loss_tally.h"

using namespace bx;

namespace {

void add_all(LossTally& tally, const std::vector<double>& losses) {
  int64_t step = 0;
  for (double loss : losses) tally.add(at::scalar_tensor(loss, at::kFloat), ++step);
}

}  // namespace

TEST_CASE("LossTally: the mean since a mark, read at once or deferred") {
  for (bool defer : {false, true}) {
    CAPTURE(defer);
    LossTally tally(defer);
    add_all(tally, {1.0, 3.0});
    const LossMark mark = LossMark::at(tally);
    CHECK(mark.total == 4.0);
    CHECK(mark.count == 2);
    tally.add(at::scalar_tensor(5.0, at::kFloat), 3);
    tally.add(at::scalar_tensor(8.0, at::kFloat), 4);
    CHECK(mark.mean_since(tally) == 6.5);
    CHECK(LossMark{}.mean_since(tally) == 17.0 / 4);
    CHECK(LossMark::at(tally).mean_since(tally) == 0.0);
    CHECK_FALSE(tally.first_bad(true).has_value());
  }
}

TEST_CASE("LossTally: the first non-finite loss, known at once or only when the device is read") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  LossTally now(false);
  add_all(now, {0.5, inf, nan});
  REQUIRE(now.first_bad(false).has_value());
  CHECK(now.first_bad(false)->step == 2);
  CHECK(std::isinf(now.first_bad(false)->loss));

  LossTally deferred(true);
  add_all(deferred, {0.5, 0.25, nan, inf});
  CHECK_FALSE(deferred.first_bad(false).has_value());  // not read yet
  const auto bad = deferred.first_bad(true);
  REQUIRE(bad.has_value());
  CHECK(bad->step == 3);  // the first, not the last
  CHECK(std::isnan(bad->loss));
}
