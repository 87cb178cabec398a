// Re-enacts, in C++, each claim of the seed documents (pax tutorials and README, blox's
// "sharp bits") that applies to blox. Each case names the section it comes from.
#include "support/helpers.h"

using namespace bx;

namespace {

// pax README's Counter: a non-trainable counter state and a trainable bias.
class Counter final : public Layer {
 public:
  explicit Counter(Graph graph) : Layer(std::move(graph), "Counter") {}

 protected:
  // x: any shape -> same shape
  Output forward(Params params, const at::Tensor& x, Mode) const override {
    at::Tensor counter, bias;
    std::tie(counter, params) = get_param(std::move(params), "counter", {}, init::constant(3), {false, x.device(), {}});
    std::tie(bias, params) = get_param(std::move(params), "bias", {}, init::zeros());
    counter = counter + 1;
    params = set_param(params, "counter", counter);
    return {counter * x + bias, std::move(params)};
  }
};

// blox sharp bits §4: a module holding a static constant.
class AddConstant final : public Layer {
 public:
  AddConstant(Graph graph, double value) : Layer(std::move(graph), "AddConstant"), value_(value) {}

 protected:
  Output forward(Params params, const at::Tensor& x, Mode) const override { return {x + value_, std::move(params)}; }

 private:
  double value_;
};

// One lane of the sharp bits' vmap: dropout, optionally with the lane index folded into the
// seed and the seed restored afterwards.
Layer::Output dropout_lane(const Rng& rng, const Dropout& dropout, Params params, const at::Tensor& x,
                           std::optional<uint64_t> lane) {
  const uint64_t original_seed = rng.get_seed(params);
  if (lane) params = rng.fold_in_seed(params, *lane);
  at::Tensor out;
  std::tie(out, params) = dropout(std::move(params), x, Mode::train);
  return {out, rng.seed(params, original_seed)};
}

}  // namespace

TEST_CASE("seeds/sharp bits §1: lazy creation on a dummy pass, then lock") {
  Graph graph("demo");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Linear linear(graph.child("linear"), {4}, rng);
  Params params = rng->seed(Params(), 42);
  CHECK_FALSE(params.is_locked());
  CHECK(params.size() == 2);
  std::tie(std::ignore, params) = linear(params, at::ones({1, 3}));
  CHECK(params.size() == 4);
  params = params.locked();
  CHECK(params.is_locked());
  auto [out, unused] = linear(params, at::ones({1, 3}));
  CHECK(out.sizes() == c10::IntArrayRef{1, 4});
}

TEST_CASE("seeds/sharp bits §1: a new layer on locked params fails naming the path; unlocked() allows it") {
  Graph graph("demo");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Linear linear(graph.child("linear"), {4}, rng);
  Params params = rng->seed(Params(), 42);
  std::tie(std::ignore, params) = linear(params, at::ones({1, 3}));
  params = params.locked();
  Linear another(graph.child("another"), {8}, rng);
  CHECK_THROWS_WITH_AS(another(params, at::ones({1, 4})),
                       doctest::Contains("missing param 'demo/another/kernel': params locked"), ParamsError);
  auto [y, grown] = another(params.unlocked(), at::ones({1, 4}));
  CHECK(grown.size() == 6);
}

TEST_CASE("seeds/sharp bits §1: set_param returns new params; the original is unchanged") {
  Graph graph("demo");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Linear linear(graph.child("linear"), {4}, rng);
  Params params = rng->seed(Params(), 42);
  std::tie(std::ignore, params) = linear(params, at::ones({1, 3}));
  const at::Tensor old_kernel = linear.param_value(params, "kernel");
  const Params modified = linear.set_param(params, "kernel", old_kernel * 2);
  const std::string path = linear.param_path("kernel");
  CHECK(test::close(modified[path].value, params[path].value * 2));
  CHECK(params[path].value.data_ptr() == old_kernel.data_ptr());
  CHECK(at::equal(params[path].value, old_kernel));
}

TEST_CASE("seeds/sharp bits §1: split lists exactly the trainable paths; merge round-trips") {
  Graph graph("demo");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Linear linear(graph.child("linear"), {4}, rng);
  Params params = rng->seed(Params(), 42);
  std::tie(std::ignore, params) = linear(params, at::ones({1, 3}));
  auto [trainable, non_trainable] = params.split();
  CHECK(trainable.keys() == std::vector<std::string>{"demo/linear/kernel", "demo/linear/bias"});
  CHECK(non_trainable.keys() == std::vector<std::string>{"demo/rng/seed", "demo/rng/counter"});
  const Params merged = trainable.merge(non_trainable);
  CHECK(merged.size() == params.size());
  for (const auto& path : params.keys()) CHECK(at::equal(merged[path].value, params[path].value));
}

TEST_CASE("seeds/sharp bits §1: the split/merge train step lowers the loss and carries state") {
  Graph graph("demo");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Linear linear(graph.child("linear"), {2}, rng);
  Params params = rng->seed(Params(), 0);
  const at::Tensor inputs = test::randn({16, 3}, 1);
  const at::Tensor targets = test::randn({16, 2}, 2);
  std::tie(std::ignore, params) = linear(params, inputs);
  params = params.locked();
  auto train_step = [&](const Params& p) {
    auto [trainable, non_trainable] = p.split();
    const Params t = trainable.requiring_grad();
    auto [preds, new_params] = linear(t.merge(non_trainable), inputs);
    const at::Tensor loss = (preds - targets).pow(2).mean();
    const Params grads = grad(loss, t);
    const Params new_trainable =
        t.map([&](const std::string& k, const Param& w) { return (w.value - 0.1 * grads[k].value).detach(); });
    return std::pair{loss.item<double>(), new_trainable.merge(new_params.split().second)};
  };
  auto [first_loss, p1] = train_step(params);
  double loss = first_loss;
  for (int i = 0; i < 20; ++i) std::tie(loss, p1) = train_step(p1);
  CHECK(loss < 0.9 * first_loss);
  CHECK(p1.keys() == std::vector<std::string>{"demo/linear/kernel", "demo/linear/bias", "demo/rng/seed",
                                              "demo/rng/counter"});
  CHECK(p1.is_locked());
}

TEST_CASE("seeds/sharp bits §2: replicated Rng gives every lane the same dropout mask") {
  Graph graph("rng_demo");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Dropout dropout(graph.child("dropout"), {0.5}, rng);
  const Params params = rng->seed(Params(), 42).locked();
  const at::Tensor x = at::ones({8});
  const at::Tensor lane0 = dropout_lane(*rng, dropout, params, x, std::nullopt).first;
  for (uint64_t lane = 1; lane < 4; ++lane) {
    CHECK(at::equal(dropout_lane(*rng, dropout, params, x, std::nullopt).first, lane0));
  }
}

TEST_CASE("seeds/sharp bits §2: folding in the lane index gives unique masks; restoring the seed keeps lanes equal") {
  Graph graph("rng_demo");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Dropout dropout(graph.child("dropout"), {0.5}, rng);
  const Params params = rng->seed(Params(), 42).locked();
  const at::Tensor x = at::ones({64});
  std::vector<at::Tensor> masks;
  std::vector<Params> returned;
  for (uint64_t lane = 0; lane < 4; ++lane) {
    auto [out, p] = dropout_lane(*rng, dropout, params, x, lane);
    masks.push_back(out == 0);
    returned.push_back(p);
  }
  for (size_t i = 0; i < masks.size(); ++i) {
    for (size_t j = i + 1; j < masks.size(); ++j) CHECK_FALSE(at::equal(masks[i], masks[j]));
  }
  for (const Params& p : returned) {
    CHECK(rng->get_seed(p) == 42);
    CHECK(rng->get_counter(p) == 1);
    CHECK(bitwise_equal(p, returned[0]));
  }
}

TEST_CASE("seeds/sharp bits §3: init does not fold (identical params per lane), runtime does (unique masks)") {
  Graph graph("rng_demo");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Linear linear(graph.child("linear"), {16}, rng);
  Dropout dropout(graph.child("dropout"), {0.5}, rng);
  auto forward = [&](Params params, const at::Tensor& x, uint64_t lane) {
    const uint64_t original_seed = rng->get_seed(params);
    if (params.is_locked()) params = rng->fold_in_seed(params, lane);  // runtime only
    at::Tensor y;
    std::tie(y, params) = linear(std::move(params), x);
    std::tie(y, params) = dropout(std::move(params), y, Mode::train);
    return std::pair{y, rng->seed(params, original_seed)};
  };
  std::vector<Params> inits;
  for (uint64_t lane = 0; lane < 4; ++lane) inits.push_back(forward(rng->seed(Params(), 42), at::ones({1, 8}), lane).second);
  for (const Params& p : inits) CHECK(bitwise_equal(p, inits[0]));
  const Params params = inits[0].locked();
  const at::Tensor a = forward(params, at::ones({1, 8}), 0).first != 0;
  const at::Tensor b = forward(params, at::ones({1, 8}), 1).first != 0;
  CHECK_FALSE(at::equal(a, b));
}

TEST_CASE("seeds/sharp bits §4: static models; a changed configuration is a new model") {
  Graph graph("modify_demo");
  AddConstant add_10(graph.child("add_10"), 10.0);
  AddConstant add_100(graph.child("add_100"), 100.0);
  const Params params = Params().locked();
  const at::Tensor x = at::tensor({1.0f, 2.0f, 3.0f});
  CHECK(at::equal(add_10(params, x).first, at::tensor({11.0f, 12.0f, 13.0f})));
  CHECK(at::equal(add_100(params, x).first, at::tensor({101.0f, 102.0f, 103.0f})));
  // Mutation inside a forward is a compile error: see tests/compile_fail/mutable_forward.cpp.
}

TEST_CASE("seeds/sharp bits §4: the same params drive two differently built graphs with matching paths") {
  auto build_train = [](Graph model, std::shared_ptr<const Rng> rng) {
    return std::make_shared<Sequential>(model, std::vector<std::shared_ptr<const Layer>>{
        std::make_shared<Linear>(model.child("hidden"), LinearSettings{8}, rng),
        std::make_shared<Activation>(model.child("relu"), ActivationSettings{"relu"}),
        std::make_shared<Dropout>(model.child("dropout"), DropoutSettings{0.5}, rng),
        std::make_shared<Linear>(model.child("out"), LinearSettings{2}, rng)});
  };
  Graph g1("model");
  auto rng = std::make_shared<Rng>(g1.child("rng"));
  auto train_model = build_train(g1.child("mlp"), rng);
  const at::Tensor x = test::randn({4, 5}, 7);
  Params params = rng->seed(Params(), 42);
  std::tie(std::ignore, params) = (*train_model)(params, x, Mode::train);
  params = params.locked();

  // An eval graph built without Sequential or dropout, on another Graph tree, same paths.
  Graph g2("model");
  Linear hidden(g2.child("mlp").child("hidden"), {8}, nullptr);
  Linear out(g2.child("mlp").child("out"), {2}, nullptr);
  auto [h, p2] = hidden(params, x);
  auto [y_eval, p3] = out(p2, at::relu(h));
  CHECK(test::close(y_eval, (*train_model)(params, x, Mode::eval).first));
  CHECK(bitwise_equal(p3, params));
}

TEST_CASE("seeds/pax README: counter is state without a gradient, bias gets d(loss)/d(bias) = 60") {
  Graph graph("net");
  Counter counter(graph.child("counter"));
  const at::Tensor x = at::scalar_tensor(10.0);
  Params params;
  std::tie(std::ignore, params) = counter(params, x);  // dummy pass: counter 3 -> 4
  params = counter.set_param(params, "counter", at::full({}, 3.0f)).locked();
  auto [trainable, state] = params.split();
  CHECK(trainable.keys() == std::vector<std::string>{"net/counter/bias"});
  CHECK(state.keys() == std::vector<std::string>{"net/counter/counter"});
  const Params t = trainable.requiring_grad();
  auto [y, new_params] = counter(t.merge(state), x);
  const at::Tensor loss = (x - y).pow(2).mean();
  const Params grads = grad(loss, t);
  CHECK(grads.keys() == std::vector<std::string>{"net/counter/bias"});
  CHECK(grads["net/counter/bias"].value.item<double>() == doctest::Approx(60.0));
  CHECK(new_params["net/counter/counter"].value.item<double>() == 4.0);
}

TEST_CASE("seeds/pax jax transformations: a forward works on a copy; state threads through a loop") {
  Graph graph("net");
  Counter counter(graph.child("counter"));
  Params params;
  std::tie(std::ignore, params) = counter(params, at::ones({}));
  params = counter.set_param(params, "counter", at::zeros({})).locked();
  Params threaded = params;
  for (int i = 0; i < 10; ++i) std::tie(std::ignore, threaded) = counter(threaded, at::ones({}));
  CHECK(threaded["net/counter/counter"].value.item<double>() == 10.0);
  CHECK(params["net/counter/counter"].value.item<double>() == 0.0);  // the caller's copy is untouched
}

TEST_CASE("seeds/pax limitations: constructing a module creates no params; params come only from a forward") {
  Graph graph("net");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  const Params before = rng->seed(Params(), 0);
  Linear linear(graph.child("linear"), {4}, rng);
  CHECK(bitwise_equal(before, rng->seed(Params(), 0)));
  CHECK(linear(before, at::ones({2, 2})).second.size() == before.size() + 2);
}

TEST_CASE("seeds/pax fine-tuning: freeze the first layer, replace the head with a 2-class one") {
  Graph graph("net");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Linear body(graph.child("body"), {64}, rng);
  Linear head10(graph.child("head10"), {10}, rng);
  Params params = rng->seed(Params(), 0);
  at::Tensor h;
  std::tie(h, params) = body(params, at::ones({1, 784}));
  std::tie(std::ignore, params) = head10(params, at::relu(h));

  // New head on a fresh node, created on unlocked params, old head's params dropped.
  Linear head2(graph.child("head2"), {2}, rng);
  params = params.filter([](const std::string& k, const Param&) { return k.rfind("net/head10/", 0) != 0; });
  std::tie(std::ignore, params) = head2(params, at::relu(body(params, at::ones({1, 784})).first));
  params = params.freeze("net/body").locked();
  auto [trainable, frozen] = params.split();
  CHECK(trainable.keys() == std::vector<std::string>{"net/head2/kernel", "net/head2/bias"});
  CHECK(frozen.keys() == std::vector<std::string>{"net/rng/seed", "net/rng/counter", "net/body/kernel", "net/body/bias"});
}

TEST_CASE("seeds/sharp bits §1 ownership: a donating update reuses buffers; a const& caller's copy is safe") {
  Graph graph("net");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Linear linear(graph.child("linear"), {4}, rng);
  Params params = rng->seed(Params(), 0);
  std::tie(std::ignore, params) = linear(params, at::ones({1, 3}));
  auto [trainable, state] = std::move(params).split();
  const Params grads = trainable.map([](const std::string&, const Param& p) { return at::ones_like(p.value); });
  Sgd sgd({0.1});
  const void* kernel_buffer = trainable.param(0).value.data_ptr();
  const Params snapshot = trainable;  // held by the caller: must not change under it
  const at::Tensor snapshot_values = snapshot.param(0).value.clone();
  auto shared = sgd.step(Params(trainable), grads, sgd.init(trainable));
  CHECK(at::equal(snapshot.param(0).value, snapshot_values));
  CHECK(shared.params.param(0).value.data_ptr() != kernel_buffer);
  Params sole = std::move(shared.params);
  const void* sole_buffer = sole.param(0).value.data_ptr();
  auto donated = sgd.step(std::move(sole), grads, std::move(shared.state));
  CHECK(donated.params.param(0).value.data_ptr() == sole_buffer);
}
