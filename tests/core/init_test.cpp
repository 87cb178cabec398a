// Initializers: fans, bounds, moments and determinism.
#include <cmath>

#include "support/helpers.h"

using namespace bx;

namespace {
at::Tensor draw(const Init& init, const Shape& shape, uint64_t seed = 1) {
  at::Generator g = make_generator(Key{seed});
  return init(shape, g);
}
}  // namespace

TEST_CASE("init: fans follow the [..., in, out] layout") {
  const Fans linear = fans_of({784, 64});
  CHECK(linear.in == 784);
  CHECK(linear.out == 64);
  const Fans conv = fans_of({3, 3, 16, 32});
  CHECK(conv.in == 9 * 16);
  CHECK(conv.out == 9 * 32);
  CHECK(fans_of({10}).in == 10);
  CHECK(fans_of({}).in == 1);
}

TEST_CASE("init: constants are exact and need no randomness") {
  CHECK_FALSE(init::zeros().is_random());
  CHECK(at::equal(draw(init::zeros(), {2, 3}), at::zeros({2, 3})));
  CHECK(at::equal(draw(init::ones(), {4}), at::ones({4})));
  CHECK(at::equal(draw(init::constant(0.5), {2}), at::full({2}, 0.5f)));
}

TEST_CASE("init: uniform variants stay inside their limits and fill them") {
  const Shape shape{400, 300};
  const double glorot = std::sqrt(6.0 / (400 + 300));
  const double he = std::sqrt(6.0 / 400);  // = torch's kaiming_uniform_ bound with a = 0
  const double lecun = std::sqrt(3.0 / 400);
  for (auto [init, limit] : {std::pair{init::glorot_uniform(), glorot}, std::pair{init::he_uniform(), he},
                             std::pair{init::lecun_uniform(), lecun}}) {
    const std::string name = init.name();
    CAPTURE(name);
    const at::Tensor w = draw(init, shape);
    CHECK(w.abs().max().item<double>() <= limit);
    CHECK(w.abs().max().item<double>() > 0.99 * limit);
    CHECK(w.std().item<double>() == doctest::Approx(limit / std::sqrt(3.0)).epsilon(0.02));
  }
}

TEST_CASE("init: truncated-normal variants have the target std and stay within 2 std") {
  const Shape shape{500, 400};
  for (auto [init, stddev] : {std::pair{init::he_normal(), std::sqrt(2.0 / 500)},
                              std::pair{init::lecun_normal(), std::sqrt(1.0 / 500)},
                              std::pair{init::glorot_normal(), std::sqrt(2.0 / 900)}}) {
    const std::string name = init.name();
    CAPTURE(name);
    const at::Tensor w = draw(init, shape);
    CHECK(w.std().item<double>() == doctest::Approx(stddev).epsilon(0.02));
    CHECK(w.abs().max().item<double>() <= 2.0 * stddev / 0.87962566103423978 * (1 + 1e-6));
  }
  const at::Tensor t = draw(init::truncated_normal(0.5, 1.0), {100000});
  CHECK(t.min().item<double>() >= 0.0);
  CHECK(t.max().item<double>() <= 2.0);
  CHECK(t.mean().item<double>() == doctest::Approx(1.0).epsilon(0.01));
  CHECK(t.std().item<double>() == doctest::Approx(0.5 * 0.87962566103423978).epsilon(0.02));
}

TEST_CASE("init: normal and uniform moments") {
  const at::Tensor n = draw(init::normal(2.0, 1.0), {200000});
  CHECK(n.mean().item<double>() == doctest::Approx(1.0).epsilon(0.02));
  CHECK(n.std().item<double>() == doctest::Approx(2.0).epsilon(0.01));
  const at::Tensor u = draw(init::uniform(-3, 1), {200000});
  CHECK(u.min().item<double>() >= -3);
  CHECK(u.max().item<double>() < 1);
}

TEST_CASE("init: orthogonal gives orthonormal columns (tall) or rows (wide), times gain") {
  const at::Tensor tall = draw(init::orthogonal(), {64, 16});
  CHECK(test::close(tall.t().matmul(tall), at::eye(16), 1e-5));
  const at::Tensor wide = draw(init::orthogonal(2.0), {8, 32});
  CHECK(test::close(wide.matmul(wide.t()), at::eye(8) * 4, 1e-5));
  CHECK_THROWS_AS(draw(init::orthogonal(), {5}), ShapeError);
}

TEST_CASE("init: the same key draws the same values, another key other values") {
  CHECK(at::equal(draw(init::he_normal(), {8, 8}, 3), draw(init::he_normal(), {8, 8}, 3)));
  CHECK_FALSE(at::equal(draw(init::he_normal(), {8, 8}, 3), draw(init::he_normal(), {8, 8}, 4)));
}

TEST_CASE("init: with_fans overrides the layout convention") {
  const Init custom = init::he_uniform().with_fans({10, 1});
  const at::Tensor w = draw(custom, {100, 100});
  CHECK(w.abs().max().item<double>() <= std::sqrt(6.0 / 10));
  CHECK(w.abs().max().item<double>() > 0.5);
}

TEST_CASE("init: by_name knows the aliases and suggests on a typo") {
  CHECK(init::by_name("xavier_uniform").name() == "glorot_uniform");
  CHECK(init::by_name("kaiming_normal").name() == "he_normal");
  CHECK_THROWS_WITH_AS(init::by_name("he_normall"), doctest::Contains("did you mean 'he_normal'?"), ConfigError);
  CHECK_THROWS_AS(init::normal(-1.0), ConfigError);
  CHECK_THROWS_AS(init::uniform(1.0, 1.0), ConfigError);
}
