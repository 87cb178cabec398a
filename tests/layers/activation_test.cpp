// Activation: every function against its ATen reference; no params, no state.
#include "support/helpers.h"

using namespace bx;

TEST_CASE("Activation: each function matches libtorch's functional op") {
  const at::Tensor x = test::randn({4, 6}, 2) * 3;
  const std::vector<std::pair<std::string, at::Tensor>> expected = {
      {"relu", at::relu(x)},           {"gelu", at::gelu(x)},          {"gelu_tanh", at::gelu(x, "tanh")},
      {"tanh", at::tanh(x)},           {"sigmoid", at::sigmoid(x)},    {"silu", at::silu(x)},
      {"elu", at::elu(x)},             {"leaky_relu", at::leaky_relu(x, 0.01)},
      {"softplus", at::softplus(x)},   {"softmax", at::softmax(x, -1)}, {"log_softmax", at::log_softmax(x, -1)},
      {"identity", x},                 {"relu6", at::clamp(x, 0.0, 6.0)}};
  Graph g("net");
  for (const auto& [type, reference] : expected) {
    const std::string name = type;  // CAPTURE takes a variable, not a binding
    CAPTURE(name);
    Activation act(g.child(name), {name});
    const Params p = Params().locked();
    auto [y, after] = act(p, x);
    CHECK(test::close(y, reference));
    CHECK(after.empty());
  }
  CHECK(activation_functions().size() == expected.size());
  // relu6 clips at both ends.
  Activation relu6(g.child("relu6_ends"), {"relu6"});
  CHECK(at::equal(relu6(Params().locked(), at::tensor({-2.0f, 3.0f, 9.0f})).first, at::tensor({0.0f, 3.0f, 6.0f})));
}

TEST_CASE("Activation: softmax along a chosen axis") {
  Graph g("net");
  Activation act(g.child("softmax"), {"softmax", 0});
  const at::Tensor x = test::randn({3, 5}, 1);
  CHECK(test::close(act(Params(), x).first, at::softmax(x, 0)));
}

TEST_CASE("Activation: an unknown function lists the known ones and suggests one") {
  Graph g("net");
  CHECK_THROWS_WITH_AS(Activation(g.child("a"), {"relu6x"}), doctest::Contains("unknown function 'relu6x'"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(Activation(g.child("b"), {"sigmod"}), doctest::Contains("did you mean 'sigmoid'?"),
                       ConfigError);
}
