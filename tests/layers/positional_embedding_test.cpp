// PositionalEmbedding: x + table[:T], its table created once at max_length rows.
#include "blox/layers/embedding.h"

#include <ATen/ops/arange.h>

#include "support/helpers.h"

using namespace bx;

TEST_CASE("PositionalEmbedding: adds the first T rows of its table to every sequence of the batch") {
  test::Net n{"model", 5};
  PositionalEmbedding positions(n.graph.child("positions"), {8, init::normal(0.02)}, n.rng);
  const at::Tensor x = test::randn({2, 6, 4}, 1);
  auto [y, p] = positions(n.params, x);
  const at::Tensor table = p["model/positions/table"].value;
  CHECK(table.sizes() == c10::IntArrayRef{8, 4});
  CHECK(p["model/positions/table"].trainable);
  CHECK(at::equal(y, x + table.slice(0, 0, 6).unsqueeze(0)));
  // A shorter sequence reads the same rows from the start: position t is the same vector.
  const at::Tensor y3 = positions(p.locked(), x.slice(1, 0, 3)).first;
  CHECK(at::equal(y3, y.slice(1, 0, 3)));
}

TEST_CASE("PositionalEmbedding: a sequence longer than max_length or an input not (B, T, D) is a ShapeError") {
  test::Net n{"model", 5};
  PositionalEmbedding positions(n.graph.child("positions"), {4, init::normal(0.02)}, n.rng);
  CHECK_THROWS_WITH_AS(positions(n.params, test::randn({1, 5, 3}, 1)), doctest::Contains("T <= max_length 4"), ShapeError);
  CHECK_THROWS_AS(positions(n.params, test::randn({5, 3}, 1)), ShapeError);
  CHECK_THROWS_AS(PositionalEmbedding(n.graph.child("bad"), {0, init::normal(0.02)}, n.rng), ConfigError);
}
