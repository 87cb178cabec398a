// Rng: seed and counter in params, keys from fold_in, determinism.
#include "support/helpers.h"

using namespace bx;

TEST_CASE("Rng: seed and counter are non-trainable int64 scalars under the Rng's own path") {
  Graph g("net");
  Rng rng(g.child("rng"));
  const Params p = rng.seed(Params(), 42);
  CHECK(p.keys() == std::vector<std::string>{"net/rng/seed", "net/rng/counter"});
  for (const auto& path : p.keys()) {
    CHECK_FALSE(p[path].trainable);
    CHECK((p[path].value.scalar_type() == at::kLong));
    CHECK(p[path].value.dim() == 0);
  }
  CHECK(p["net/rng/counter"].meta.at("tag") == "rng_counter");
  CHECK(rng.get_seed(p) == 42);
  CHECK(rng.get_counter(p) == 0);
}

TEST_CASE("Rng: next returns fold_in(seed, counter) and advances the counter") {
  Rng rng(Graph("net").child("rng"));
  Params p = rng.seed(Params(), 42);
  auto [k0, p1] = rng.next(p);
  auto [k1, p2] = rng.next(p1);
  CHECK(k0.value == fold_in(Key{42}, 0).value);
  CHECK(k1.value == fold_in(Key{42}, 1).value);
  CHECK(rng.get_counter(p2) == 2);
  CHECK(rng.get_counter(p) == 0);  // the input never changes
  auto [again, unused] = rng.next(p);
  CHECK(again.value == k0.value);
}

TEST_CASE("Rng: seeding again keeps the counter; seed(params, seed, counter) sets both") {
  Rng rng(Graph("net").child("rng"));
  Params p = rng.next(rng.seed(Params(), 1)).second;
  p = rng.seed(p, 9);
  CHECK(rng.get_seed(p) == 9);
  CHECK(rng.get_counter(p) == 1);
  p = rng.seed(p, 5, 100);
  CHECK(rng.get_counter(p) == 100);
}

TEST_CASE("Rng: full 64-bit seeds survive the int64 storage") {
  Rng rng(Graph("net").child("rng"));
  const uint64_t big = 0xfedcba9876543210ULL;
  CHECK(rng.get_seed(rng.seed(Params(), big)) == big);
}

TEST_CASE("Rng: using an unseeded Rng names it and says how to seed") {
  Rng rng(Graph("net").child("rng"));
  CHECK_THROWS_WITH_AS(rng.next(Params()), doctest::Contains("Rng 'net/rng' has no seed"), ParamsError);
}

TEST_CASE("Rng: fold_in gives distinct, deterministic keys") {
  CHECK(fold_in(Key{1}, 0).value == fold_in(Key{1}, 0).value);
  CHECK(fold_in(Key{1}, 0).value != fold_in(Key{1}, 1).value);
  CHECK(fold_in(Key{1}, 0).value != fold_in(Key{2}, 0).value);
  CHECK(fold_in(Key{1}, 2).value != fold_in(Key{2}, 1).value);
}

TEST_CASE("Rng: the same key gives the same stream, another key another stream") {
  at::Generator a = make_generator(Key{5});
  at::Generator b = make_generator(Key{5});
  at::Generator c = make_generator(Key{6});
  const at::Tensor x = at::empty({8}).uniform_(0, 1, a);
  CHECK(at::equal(x, at::empty({8}).uniform_(0, 1, b)));
  CHECK_FALSE(at::equal(x, at::empty({8}).uniform_(0, 1, c)));
}

TEST_CASE("Rng: fold_in_seed folds data into the seed and keeps the counter") {
  Rng rng(Graph("net").child("rng"));
  Params p = rng.seed(Params(), 42, 3);
  const Params rank1 = rng.fold_in_seed(p, 1);
  CHECK(rng.get_seed(rank1) == fold_in(Key{42}, 1).value);
  CHECK(rng.get_counter(rank1) == 3);
}

TEST_CASE("Rng: creating state on locked params is refused") {
  Rng rng(Graph("net").child("rng"));
  CHECK_THROWS_AS(rng.seed(Params().locked(), 1), ParamsError);
}
