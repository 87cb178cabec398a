// Module: lazy param creation, shape checks, set_param and the const forward.
#include <type_traits>

#include "support/helpers.h"

using namespace bx;

namespace {
// A layer whose one param is created with a constant init, to count Rng ticks.
class Scale final : public Layer {
 public:
  Scale(Graph graph, std::shared_ptr<const Rng> rng) : Layer(std::move(graph), "Scale", std::move(rng)) {}

 protected:
  Output forward(Params params, const at::Tensor& x, Mode) const override {
    at::Tensor s;
    std::tie(s, params) = get_param(std::move(params), "scale", {x.size(-1)}, init::ones());
    return {x * s, std::move(params)};
  }
};
}  // namespace

// The forward's constness is part of the type: Layer::forward is a const member function.
static_assert(std::is_same_v<decltype(&Layer::operator()),
                             Layer::Output (Layer::*)(Params, const at::Tensor&, Mode) const>,
              "Layer forwards must be const");

TEST_CASE("Module: param_path joins the node path and the name") {
  Graph g("net");
  Linear linear(g.child("linear"), {4}, nullptr);
  CHECK(linear.param_path("kernel") == "net/linear/kernel");
}

TEST_CASE("Module: get_param on an existing path returns the stored value and consumes no randomness") {
  Graph g("net");
  auto rng = std::make_shared<Rng>(g.child("rng"));
  Linear linear(g.child("linear"), {4}, rng);
  Params p = rng->seed(Params(), 7);
  std::tie(std::ignore, p) = linear(p, at::ones({1, 3}));
  const uint64_t counter = rng->get_counter(p);
  auto [kernel, after] = linear.get_param(p, "kernel", {3, 4}, init::glorot_uniform());
  CHECK(kernel.data_ptr() == p["net/linear/kernel"].value.data_ptr());
  CHECK(rng->get_counter(after) == counter);
}

TEST_CASE("Module: each creation consumes exactly one Rng tick, even with a constant init") {
  Graph g("net");
  auto rng = std::make_shared<Rng>(g.child("rng"));
  Scale scale(g.child("scale"), rng);
  Params p = rng->seed(Params(), 3);
  std::tie(std::ignore, p) = scale(p, at::ones({2, 5}));
  CHECK(rng->get_counter(p) == 1);
  std::tie(std::ignore, p) = scale(p, at::ones({2, 5}));
  CHECK(rng->get_counter(p) == 1);
}

TEST_CASE("Module: the creation key is fold_in(seed, counter before the tick)") {
  Graph g("net");
  auto rng = std::make_shared<Rng>(g.child("rng"));
  Linear linear(g.child("linear"), {4, false, init::uniform(-1, 1)}, rng);
  Params p = rng->seed(Params(), 11, /*counter=*/5);
  std::tie(std::ignore, p) = linear(p, at::ones({1, 3}));
  at::Generator expected_gen = make_generator(fold_in(Key{11}, 5));
  const at::Tensor expected = at::empty({3, 4}).uniform_(-1, 1, expected_gen);
  CHECK(at::equal(p["net/linear/kernel"].value, expected));
  CHECK(rng->get_counter(p) == 6);
}

TEST_CASE("Module: a shape mismatch with an existing param names both shapes") {
  Graph g("net");
  Graph g2("net2");
  auto rng = std::make_shared<Rng>(g2.child("rng"));
  Linear l2(g2.child("linear"), {4}, rng);
  Params q = rng->seed(Params(), 0);
  std::tie(std::ignore, q) = l2(q, at::ones({1, 3}));
  CHECK_THROWS_WITH_AS(l2(q.locked(), at::ones({1, 5})),
                       doctest::Contains("param 'net2/linear/kernel' has shape [3, 4], but this input needs [5, 4]"),
                       ShapeError);
}

TEST_CASE("Module: a random init without an Rng is a clear error") {
  Graph g("net");
  Linear linear(g.child("linear"), {4}, nullptr);
  CHECK_THROWS_WITH_AS(linear(Params(), at::ones({1, 3})), doctest::Contains("needs randomness"), ConfigError);
}

TEST_CASE("Module: set_param returns new params and leaves the old ones unchanged") {
  Graph g("net");
  auto rng = std::make_shared<Rng>(g.child("rng"));
  Linear linear(g.child("linear"), {4}, rng);
  Params p = rng->seed(Params(), 42);
  std::tie(std::ignore, p) = linear(p, at::ones({1, 3}));
  p = p.locked();
  const at::Tensor old_kernel = linear.param_value(p, "kernel");
  const double old_sum = old_kernel.sum().item<double>();
  const Params modified = linear.set_param(p, "kernel", old_kernel * 2);
  CHECK(linear.param_value(p, "kernel").sum().item<double>() == doctest::Approx(old_sum));
  CHECK(linear.param_value(modified, "kernel").sum().item<double>() == doctest::Approx(2 * old_sum));
  CHECK(modified.is_locked());
}

TEST_CASE("Layer: a ShapeError carries the innermost layer's path, for configs to point at its spec") {
  Graph net("net");
  auto rng = std::make_shared<Rng>(net.child("rng"));
  Params params = rng->seed(Params(), 0);
  Graph outer = net.child("outer");
  Sequential model(outer, {std::make_shared<Linear>(outer.child("a"), LinearSettings{4}, rng),
                           std::make_shared<Linear>(outer.child("b"), LinearSettings{2}, rng)});
  try {
    model(params, at::zeros({}));  // a scalar: the first Linear refuses it
    FAIL("expected a ShapeError");
  } catch (const ShapeError& e) {
    CHECK(e.layer() == "net/outer/a");
    CHECK(std::string(e.what()).find("expected input (..., in), got a scalar") != std::string::npos);
  }
}
