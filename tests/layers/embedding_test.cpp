// Embedding lookups, range errors, and weight tying through TiedOutput.
#include <ATen/ops/embedding.h>

#include "layers/layer_check.h"

using namespace bx;
using test::Net;
using test::Layout;


TEST_CASE("Embedding: (B, T) ids -> (B, T, F) rows of table [V, F]; gradients match at::embedding") {
  Net n{"net", 1};
  Embedding embed(n.graph.child("embed"), {10, 4}, n.rng);
  const at::Tensor ids = at::tensor({3, 0, 9, 3, 1, 2}, at::kLong).view({2, 3});
  const Params p = test::check_layer(embed, n.params, ids, [](const auto& w, const at::Tensor& x) {
    return at::embedding(w.at("net/embed/table"), x);
  });
  CHECK(test::layout(p.split().first) == Layout{"net/embed/table [10, 4] trainable"});
}

TEST_CASE("Embedding: an id out of range or a non-integer id is a clear error, not a crash") {
  Net n{"net", 1};
  Embedding embed(n.graph.child("embed"), {10, 4}, n.rng);
  CHECK_THROWS_WITH_AS(embed(n.params, at::tensor({1, 10}, at::kLong)),
                       doctest::Contains("Embedding 'net/embed': id 10 is out of range [0, 10)"), DataError);
  CHECK_THROWS_WITH_AS(embed(n.params, at::tensor({-1, 2}, at::kLong)), doctest::Contains("id -1 is out of range"),
                       DataError);
  CHECK_THROWS_WITH_AS(embed(n.params, at::ones({2})), doctest::Contains("ids must be integers"), DataError);
  CHECK_THROWS_AS(Embedding(n.graph.child("bad"), {0, 4}, n.rng), ConfigError);
}

TEST_CASE("TiedOutput: logits use the embedding's table; one param, gradients summed over both uses") {
  Net n{"net", 1};
  auto embed = std::make_shared<Embedding>(n.graph.child("embed"), EmbeddingSettings{7, 5}, n.rng);
  TiedOutput logits(n.graph.child("logits"), embed);
  const at::Tensor ids = at::tensor({1, 4, 6}, at::kLong);
  Params p = n.params;
  at::Tensor h;
  std::tie(h, p) = (*embed)(p, ids);
  std::tie(std::ignore, p) = logits(p, h);
  CHECK(test::layout(p.split().first) == Layout{"net/embed/table [7, 5] trainable", "net/logits/bias [7] trainable"});

  const Params t = p.locked().requiring_grad();
  auto [e, p1] = (*embed)(t, ids);
  auto [y, p2] = logits(p1, e);
  const at::Tensor table = t["net/embed/table"].value;
  const at::Tensor grad_table = bx::grad(y.pow(2).sum(), t)["net/embed/table"].value;
  const at::Tensor ref_table = table.detach().clone().requires_grad_(true);
  const at::Tensor ref = at::matmul(at::embedding(ref_table, ids), ref_table.t()) + t["net/logits/bias"].value.detach();
  ref.pow(2).sum().backward();
  CHECK(test::close(y, ref));
  CHECK(test::close(grad_table, ref_table.grad()));
  CHECK_THROWS_WITH_AS(logits(p, test::randn({2, 3})), doctest::Contains("to match Embedding 'net/embed'"), ShapeError);
}
