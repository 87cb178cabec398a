// grad over Params.
#include "support/helpers.h"

using namespace bx;

TEST_CASE("grad: gradients by path, zeros for unused entries and for state") {
  const Params p = Params()
                       .with("a", Param{at::full({2}, 3.0f), true, {}})
                       .with("unused", Param{at::ones({3}), true, {}})
                       .with("step", Param{at::scalar_tensor(int64_t{1}, at::kLong), false, {}})
                       .requiring_grad();
  const at::Tensor loss = (p["a"].value * p["a"].value).sum();
  const Params g = grad(loss, p);
  CHECK(g.keys() == p.keys());
  CHECK(at::equal(g["a"].value, at::full({2}, 6.0f)));
  CHECK(at::equal(g["unused"].value, at::zeros({3})));
  CHECK(at::equal(g["step"].value, at::zeros({}, at::kLong)));
}

TEST_CASE("grad: a non-scalar loss or one without a graph is a clear error") {
  const Params p = Params().with("a", Param{at::ones({2}), true, {}}).requiring_grad();
  CHECK_THROWS_WITH_AS(grad(p["a"].value * 2, p), doctest::Contains("loss must be a scalar"), Error);
  CHECK_THROWS_WITH_AS(grad(at::ones({}), p), doctest::Contains("does not require grad"), Error);
}
