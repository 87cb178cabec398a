// The shared optimizer mechanics: state layout, donation, masks, frozen params, validation.
#include "optim/fixtures.h"

using namespace bx;
using test::two_params;

namespace {
Params ones_like(const Params& p) {
  return p.map([](const std::string&, const Param& q) { return at::ones_like(q.value); });
}
bool under(const std::string& path, const std::string& prefix) { return path.rfind(prefix, 0) == 0; }
}  // namespace

TEST_CASE("Optimizer: state paths mirror the trainable paths, per slot") {
  const Params params = two_params();
  CHECK(Sgd({0.1, 0.9}).init(params).keys() ==
        std::vector<std::string>{"optim/sgd/step", "optim/sgd/momentum/net/w", "optim/sgd/momentum/net/b"});
  CHECK(Sgd({0.1}).init(params).size() == 1);
  CHECK(Adam({}).init(params).keys() == std::vector<std::string>{"optim/adam/step", "optim/adam/mu/net/w",
                                                                  "optim/adam/mu/net/b", "optim/adam/nu/net/w",
                                                                  "optim/adam/nu/net/b"});
  const Params state = Adagrad({0.1, 0.0, 0.0, 0.5}).init(params);
  CHECK(at::equal(state["optim/adagrad/sum/net/w"].value, at::full({5, 3}, 0.5f)));
  CHECK_FALSE(state["optim/adagrad/sum/net/w"].trainable);
}

TEST_CASE("Optimizer: donated buffers are updated in place; a caller's kept copy never changes") {
  Adam adam({0.1});
  Params params = two_params();
  Params state = adam.init(params);
  const Params grads = ones_like(params);

  const void* buffer = params.param(0).value.data_ptr();
  const void* moment = state.param(1).value.data_ptr();
  auto donated = adam.step(std::move(params), grads, std::move(state));
  CHECK(donated.params.param(0).value.data_ptr() == buffer);
  CHECK(donated.state.param(1).value.data_ptr() == moment);
  CHECK(params.empty());  // NOLINT(bugprone-use-after-move): taken over by the step

  const Params kept = donated.params;
  const Params kept_state = donated.state;
  const at::Tensor kept_values = kept.param(0).value.clone();
  const at::Tensor kept_moment = kept_state.param(1).value.clone();
  auto fresh = adam.step(std::move(donated.params), grads, std::move(donated.state));
  CHECK(fresh.params.param(0).value.data_ptr() != kept.param(0).value.data_ptr());
  CHECK(at::equal(kept.param(0).value, kept_values));
  CHECK(at::equal(kept_state.param(1).value, kept_moment));
  CHECK_FALSE(at::equal(fresh.params.param(0).value, kept_values));
}

TEST_CASE("Optimizer: no_decay globs exempt matching params from weight decay") {
  SgdSettings s{1.0};
  s.weight_decay = 0.5;
  s.no_decay = {"**/b"};
  Sgd sgd(s);
  const Params params = two_params();
  const Params zero_grads = params.map([](const std::string&, const Param& p) { return at::zeros_like(p.value); });
  auto r = sgd.step(Params(params), zero_grads, sgd.init(params));
  CHECK(test::close(r.params["net/w"].value, params["net/w"].value * 0.5));
  CHECK(at::equal(r.params["net/b"].value, params["net/b"].value));
}

TEST_CASE("Optimizer: lr_mult scales the rate of the params its globs select, the first match winning") {
  Adam adam({0.1});
  adam.set_lr_mult({{"net/w", 0.25}, {"net/*", 0.0}});
  const Params params = two_params();
  auto r = adam.step(Params(params), ones_like(params), adam.init(params), 0.2);
  // Adam's first step moves every element by the rate: 0.2 x 0.25 for w, 0 for b.
  CHECK(test::close(r.params["net/w"].value, params["net/w"].value - 0.05));
  CHECK(at::equal(r.params["net/b"].value, params["net/b"].value));
  CHECK(adam.lr_mult_for("net/w") == 0.25);
  CHECK(adam.lr_mult_for("other/x") == 1.0);
}

TEST_CASE("Optimizer: an explicit learning rate overrides the configured one") {
  Sgd sgd({0.1});
  const Params params = two_params();
  auto r = sgd.step(Params(params), ones_like(params), sgd.init(params), 0.5);
  CHECK(test::close(r.params["net/b"].value, params["net/b"].value - 0.5));
}

TEST_CASE("Optimizer: frozen params get no gradient, no state, and stay bitwise unchanged") {
  test::Net n;
  Graph model_graph = n.graph.child("model");
  Sequential model(model_graph, {std::make_shared<Linear>(model_graph.child("body"), LinearSettings{4}, n.rng),
                                 std::make_shared<Linear>(model_graph.child("head"), LinearSettings{2}, n.rng)});
  const at::Tensor x = test::randn({6, 3}, 4);
  const at::Tensor y = test::randn({6, 2}, 5);
  const Params params = model(n.params, x).second.freeze("net/model/body").locked();
  auto is_body = [](const std::string& k, const Param&) { return under(k, "net/model/body/"); };
  const Params frozen_before =
      params.filter(is_body).map([](const std::string&, const Param& p) { return p.value.clone(); });
  Adam adam({0.1});
  TrainState state = make_train_state(params, adam);
  CHECK(state.trainable.keys() == std::vector<std::string>{"net/model/head/kernel", "net/model/head/bias"});
  CHECK(state.optimizer.size() == 1 + 2 * 2);
  const LossFn mse = [](const at::Tensor& out, const at::Tensor& t) { return (out - t).pow(2).mean(); };
  for (int i = 0; i < 5; ++i) state = train_step(model, adam, mse, std::move(state), x, y).next;
  CHECK(bitwise_equal(state.state.filter(is_body), frozen_before));
  CHECK_FALSE(at::equal(state.trainable["net/model/head/kernel"].value, params["net/model/head/kernel"].value));
}

TEST_CASE("Optimizer: invalid settings name the bad value; mismatched grads and state are refused") {
  CHECK_THROWS_WITH_AS(Sgd({-0.1}), doctest::Contains("optimizer sgd: learning_rate: expected a value >= 0, got -0.1"), ConfigError);
  CHECK_THROWS_WITH_AS(Sgd({0.1, 0.0, 0.0, true}), doctest::Contains("nesterov needs momentum > 0"), ConfigError);
  AdamSettings bad;
  bad.beta1 = 1.0;
  CHECK_THROWS_WITH_AS(Adam{bad}, doctest::Contains("optimizer adam: beta1: expected a value in [0, 1), got 1"), ConfigError);
  CHECK_THROWS_AS(Rmsprop({0.01, 1.5}), ConfigError);
  CHECK_THROWS_AS(Lion({1e-4, 0.9, -0.1}), ConfigError);
  Sgd sgd({0.1, 0.9});
  const Params params = two_params();
  const Params only_w = params.filter([](const std::string& k, const Param&) { return k == "net/w"; });
  CHECK_THROWS_AS(sgd.step(Params(params), only_w, sgd.init(params)), ParamsError);
  CHECK_THROWS_WITH_AS(sgd.step(Params(params), ones_like(params), sgd.init(only_w)),
                       doctest::Contains("no 'momentum' slot for 'net/b'"), ParamsError);
  CHECK_THROWS_WITH_AS(sgd.step(Params(params), ones_like(params), Adam({}).init(params)),
                       doctest::Contains("state has no 'optim/sgd/step'"), ParamsError);
}
