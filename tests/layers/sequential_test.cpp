// Sequential: composition, hierarchical paths and mode propagation.
#include "support/helpers.h"

using namespace bx;

TEST_CASE("Sequential: applies layers in order with hierarchical param paths") {
  Graph net("net");
  auto rng = std::make_shared<Rng>(net.child("rng"));
  Graph mlp_graph = net.child("mlp");
  Sequential mlp(mlp_graph, {std::make_shared<Flatten>(mlp_graph.child("flatten")),
                             std::make_shared<Linear>(mlp_graph.child("hidden"), LinearSettings{64}, rng),
                             std::make_shared<Activation>(mlp_graph.child("relu"), ActivationSettings{"relu"}),
                             std::make_shared<Linear>(mlp_graph.child("out"), LinearSettings{10}, rng)});
  CHECK(mlp.size() == 4);
  Params p = rng->seed(Params(), 0);
  const at::Tensor x = test::randn({2, 1, 28, 28});
  auto [y, after] = mlp(p, x);
  CHECK(y.sizes() == c10::IntArrayRef{2, 10});
  CHECK(after.keys() == std::vector<std::string>{"net/rng/seed", "net/rng/counter", "net/mlp/hidden/kernel",
                                                 "net/mlp/hidden/bias", "net/mlp/out/kernel", "net/mlp/out/bias"});
  CHECK(after.num_elements(true) == 784 * 64 + 64 + 64 * 10 + 10);
  const at::Tensor h = at::relu(at::addmm(after["net/mlp/hidden/bias"].value, x.reshape({2, 784}),
                                          after["net/mlp/hidden/kernel"].value));
  CHECK(test::close(y, at::addmm(after["net/mlp/out/bias"].value, h, after["net/mlp/out/kernel"].value)));
}

TEST_CASE("Sequential: passes the mode to every layer") {
  Graph net("net");
  auto rng = std::make_shared<Rng>(net.child("rng"));
  Sequential seq(net.child("seq"), {std::make_shared<Dropout>(net.child("seq").child("drop"), DropoutSettings{0.5}, rng)});
  const Params p = rng->seed(Params(), 0).locked();
  const at::Tensor x = at::ones({64});
  CHECK(at::equal(seq(p, x, Mode::eval).first, x));
  CHECK_FALSE(at::equal(seq(p, x, Mode::train).first, x));
}

TEST_CASE("Sequential: empty or null layer lists are rejected") {
  Graph net("net");
  CHECK_THROWS_AS(Sequential(net.child("a"), {}), ConfigError);
  CHECK_THROWS_AS(Sequential(net.child("b"), {nullptr}), ConfigError);
}
