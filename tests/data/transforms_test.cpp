// Transforms: exact values, and randomness only from the generator.
#include "support/helpers.h"

using namespace bx;

TEST_CASE("Normalize: per-channel (x - mean) / std, or one value for all") {
  at::Generator g = make_generator(Key{0});
  const at::Tensor x = at::ones({2, 2, 3, 3});
  const at::Tensor y = Normalize({0.5, 1.0}, {0.25, 2.0}).apply(x, g);
  CHECK(at::equal(y.select(1, 0), at::full({2, 3, 3}, 2.0f)));
  CHECK(at::equal(y.select(1, 1), at::zeros({2, 3, 3})));
  CHECK(at::equal(Normalize({1.0}, {0.5}).apply(x, g), at::zeros_like(x)));
  CHECK_THROWS_AS(Normalize({0.5}, {0.0}), ConfigError);
  CHECK_THROWS_AS(Normalize({0.5, 1.0}, {1.0}), ConfigError);
  CHECK_THROWS_AS(Normalize({0.5, 1.0, 2.0}, {1.0, 1.0, 1.0}).apply(x, g), ShapeError);
}

TEST_CASE("RandomHorizontalFlip: each image is either itself or its mirror; the same key flips the same images") {
  const at::Tensor x = test::randn({64, 1, 2, 3});
  at::Generator g1 = make_generator(Key{5});
  at::Generator g2 = make_generator(Key{5});
  const RandomHorizontalFlip flip(0.5);
  const at::Tensor y = flip.apply(x, g1);
  CHECK(at::equal(y, flip.apply(x, g2)));
  int flipped = 0;
  for (int64_t i = 0; i < 64; ++i) {
    const bool same = at::equal(y[i], x[i]);
    const bool mirrored = at::equal(y[i], x[i].flip({2}));
    CHECK((same || mirrored));
    flipped += mirrored ? 1 : 0;
  }
  CHECK(flipped > 16);
  CHECK(flipped < 48);
  at::Generator g3 = make_generator(Key{5});
  CHECK(at::equal(RandomHorizontalFlip(0.0).apply(x, g3), x));
}

TEST_CASE("RandomCrop: each output is a window of the zero-padded image, shifted by at most `padding`") {
  const at::Tensor x = at::arange(1, 1 + 2 * 16, at::kFloat).view({2, 1, 4, 4});
  at::Generator g = make_generator(Key{9});
  const at::Tensor y = RandomCrop(2).apply(x, g);
  CHECK(y.sizes() == x.sizes());
  const at::Tensor padded = at::constant_pad_nd(x, {2, 2, 2, 2}, 0.0);
  for (int64_t i = 0; i < 2; ++i) {
    bool found = false;
    for (int64_t dy = 0; dy <= 4 && !found; ++dy) {
      for (int64_t dx = 0; dx <= 4 && !found; ++dx) found = at::equal(y[i], padded[i].narrow(1, dy, 4).narrow(2, dx, 4));
    }
    CHECK(found);
  }
  at::Generator g0 = make_generator(Key{9});
  CHECK(at::equal(random_translation(0)->apply(x, g0), x));
  CHECK_THROWS_AS(RandomCrop(-1), ConfigError);
}

TEST_CASE("Transforms say whether they are random: evaluation keeps only the deterministic ones") {
  CHECK_FALSE(Normalize({0.5}, {2.0}).random());
  CHECK(RandomHorizontalFlip(0.5).random());
  CHECK(RandomCrop(2).random());
  CHECK(random_translation(1)->random());
}
