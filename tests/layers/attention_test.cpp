// MultiHeadAttention against libtorch's functional multi_head_attention_forward.
#include <limits>

#include <torch/nn/functional/activation.h>

#include "layers/layer_check.h"

using namespace bx;
using test::Net;
using test::Layout;

namespace {

at::Tensor torch_attention(const std::map<std::string, at::Tensor>& w, const at::Tensor& x, int64_t heads, bool causal) {
  namespace F = torch::nn::functional;
  const int64_t d = x.size(2), t = x.size(1);
  auto get = [&](const std::string& name) { return w.at("net/attn/" + name); };
  const at::Tensor in_w = at::cat({get("query/kernel").t(), get("key/kernel").t(), get("value/kernel").t()});
  const at::Tensor in_b = at::cat({get("query/bias"), get("key/bias"), get("value/bias")});
  auto options = F::MultiheadAttentionForwardFuncOptions(d, heads, in_w, in_b, {}, {}, false, 0.0,
                                                         get("output/kernel").t(), get("output/bias"))
                     .training(false)
                     .need_weights(false);
  // libtorch's C++ functional adds the mask to the scores, so it must be -inf where masked.
  if (causal) options.attn_mask(at::full({t, t}, -std::numeric_limits<float>::infinity()).triu(1));
  const at::Tensor q = x.transpose(0, 1);  // libtorch wants (T, B, D)
  return std::get<0>(F::multi_head_attention_forward(q, q, q, options)).transpose(0, 1);
}
}  // namespace

TEST_CASE("MultiHeadAttention: matches libtorch's multi_head_attention_forward, with and without a causal mask") {
  for (bool causal : {false, true}) {
    CAPTURE(causal);
    Net n{"net", 5};
    AttentionSettings s;
    s.num_heads = 4;
    s.causal = causal;
    MultiHeadAttention attn(n.graph.child("attn"), s, n.rng);
    const Params p = test::check_layer(attn, n.params, test::randn({2, 6, 16}, 1),
                                       [&](const auto& w, const at::Tensor& x) { return torch_attention(w, x, 4, causal); });
    CHECK(test::layout(p.split().first) ==
          Layout{"net/attn/query/kernel [16, 16] trainable", "net/attn/query/bias [16] trainable",
                 "net/attn/key/kernel [16, 16] trainable", "net/attn/key/bias [16] trainable",
                 "net/attn/value/kernel [16, 16] trainable", "net/attn/value/bias [16] trainable",
                 "net/attn/output/kernel [16, 16] trainable", "net/attn/output/bias [16] trainable"});
  }
}

TEST_CASE("MultiHeadAttention: with a causal mask, changing future positions leaves earlier outputs unchanged") {
  Net n{"net", 5};
  AttentionSettings s;
  s.num_heads = 2;
  s.causal = true;
  MultiHeadAttention attn(n.graph.child("attn"), s, n.rng);
  const at::Tensor x = test::randn({1, 5, 8}, 2);
  const Params p = attn(n.params, x).second.locked();
  at::Tensor changed = x.clone();
  changed.narrow(1, 3, 2).add_(10);
  const at::Tensor a = attn(p, x).first, b = attn(p, changed).first;
  CHECK(at::equal(a.narrow(1, 0, 3), b.narrow(1, 0, 3)));
  CHECK_FALSE(at::equal(a.narrow(1, 3, 2), b.narrow(1, 3, 2)));
}

TEST_CASE("MultiHeadAttention: key_size and output_size; shape errors name the layer") {
  Net n{"net", 5};
  AttentionSettings s;
  s.num_heads = 3;
  s.key_size = 5;
  s.output_size = 7;
  MultiHeadAttention attn(n.graph.child("attn"), s, n.rng);
  auto [y, p] = attn(n.params, test::randn({2, 4, 8}));
  CHECK(y.sizes() == c10::IntArrayRef{2, 4, 7});
  CHECK(p["net/attn/query/kernel"].value.sizes() == c10::IntArrayRef{8, 15});
  AttentionSettings bad;
  bad.num_heads = 3;
  MultiHeadAttention uneven(n.graph.child("uneven"), bad, n.rng);
  CHECK_THROWS_WITH_AS(uneven(n.params, test::randn({1, 2, 8})), doctest::Contains("model size 8 is not divisible by num_heads 3"),
                       ShapeError);
}
