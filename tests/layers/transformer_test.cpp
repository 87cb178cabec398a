// TransformerBlock: the pre-norm composition written out with libtorch ops; dropout and causality.
#include <cmath>
#include <limits>

#include "layers/layer_check.h"

using namespace bx;
using test::Net;
using test::Layout;

namespace {

at::Tensor reference_block(const std::map<std::string, at::Tensor>& w, const at::Tensor& x, int64_t heads) {
  auto get = [&](const std::string& name) { return w.at("lm/block/" + name); };
  const int64_t b = x.size(0), t = x.size(1), d = x.size(2), k = d / heads;
  auto proj = [&](const at::Tensor& in, const std::string& name) {
    return at::matmul(in, get(name + "/kernel")) + get(name + "/bias");
  };
  auto split = [&](const at::Tensor& in) { return in.view({b, t, heads, k}).permute({0, 2, 1, 3}); };
  const at::Tensor a = at::layer_norm(x, {d}, get("ln1/scale"), get("ln1/bias"), 1e-5);
  at::Tensor scores = at::matmul(split(proj(a, "attention/query")), split(proj(a, "attention/key")).transpose(2, 3)) /
                      std::sqrt(static_cast<double>(k));
  scores = scores + at::full({t, t}, -std::numeric_limits<float>::infinity()).triu(1);
  const at::Tensor mixed = at::matmul(at::softmax(scores, -1), split(proj(a, "attention/value")));
  const at::Tensor h = x + proj(mixed.permute({0, 2, 1, 3}).reshape({b, t, d}), "attention/output");
  const at::Tensor m = at::layer_norm(h, {d}, get("ln2/scale"), get("ln2/bias"), 1e-5);
  return h + proj(at::gelu(proj(m, "mlp/hidden")), "mlp/output");
}
}  // namespace

TEST_CASE("TransformerBlock: eval output and gradients match the pre-norm block written with libtorch ops") {
  Net n{"lm", 8};
  TransformerBlock block(n.graph.child("block"), {2, 32, 0.1, true}, n.rng);
  const Params p = test::check_layer(block, n.params, test::randn({2, 5, 8}, 1),
                                     [](const auto& w, const at::Tensor& x) { return reference_block(w, x, 2); });
  const Layout layout = test::layout(p.split().first);
  CHECK(layout.size() == 16);
  CHECK(layout.front() == "lm/block/ln1/scale [8] trainable");
  CHECK(layout.back() == "lm/block/mlp/output/bias [8] trainable");
  CHECK(p.contains("lm/block/attention/query/kernel"));
  CHECK(p["lm/block/mlp/hidden/kernel"].value.sizes() == c10::IntArrayRef{8, 32});
}

TEST_CASE("TransformerBlock: training applies dropout twice (two Rng ticks); eval is deterministic and pure") {
  Net n{"lm", 8};
  TransformerBlock block(n.graph.child("block"), {2, 0, 0.5, true}, n.rng);
  const at::Tensor x = test::randn({1, 4, 8}, 2);
  const Params p = block(n.params, x).second.locked();
  CHECK(p["lm/block/mlp/hidden/kernel"].value.sizes() == c10::IntArrayRef{8, 32});  // mlp_size 0: 4 * D
  auto [train_y, after_train] = block(p, x, Mode::train);
  CHECK(n.rng->get_counter(after_train) == n.rng->get_counter(p) + 2);
  auto [eval_y, after_eval] = block(p, x, Mode::eval);
  CHECK(bitwise_equal(after_eval, p));
  CHECK_FALSE(at::equal(train_y, eval_y));
  CHECK(at::equal(eval_y, block(p, x, Mode::eval).first));
}
