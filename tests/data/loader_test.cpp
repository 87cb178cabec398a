// Loader: seeded epoch order, resumable positions, sharding, prefetching, errors.
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "support/cli_runner.h"
#include "support/files.h"
#include "support/helpers.h"

using namespace bx;

namespace {
Dataset numbers(int64_t n) {
  return make_dataset(at::arange(n, at::kFloat).view({n, 1, 1, 1}), at::arange(n, at::kLong), "numbers");
}

std::vector<at::Tensor> drain(Loader& loader) {
  std::vector<at::Tensor> out;
  while (auto b = loader.next()) out.push_back(b->targets);
  return out;
}

LoaderSettings settings(uint64_t seed, int64_t batch = 8) {
  LoaderSettings s;
  s.batch_size = batch;
  s.seed = seed;
  return s;
}
}  // namespace

TEST_CASE("Loader: epoch k's order is a pure function of (seed, k)") {
  Loader a(numbers(50), settings(1)), b(numbers(50), settings(1)), c(numbers(50), settings(2));
  CHECK(at::equal(a.epoch_order(3), b.epoch_order(3)));
  CHECK_FALSE(at::equal(a.epoch_order(3), c.epoch_order(3)));
  CHECK_FALSE(at::equal(a.epoch_order(3), a.epoch_order(4)));
  CHECK(at::equal(std::get<0>(a.epoch_order(3).sort()), at::arange(50, at::kLong)));
  const auto batches_a = drain(a);
  const auto batches_b = drain(b);
  REQUIRE(batches_a.size() == 7);  // 6 full batches and one of 2
  CHECK(batches_a.back().numel() == 2);
  for (size_t i = 0; i < batches_a.size(); ++i) CHECK(at::equal(batches_a[i], batches_b[i]));
  CHECK(a.position() == LoaderPosition{1, 0});
}

TEST_CASE("Loader: restoring a saved position mid-epoch yields the same remaining batches, transforms included") {
  const std::string dir = test::source_path("datasets/fashion-mnist-subset/");
  const Dataset images =
      read_idx_classification(dir + "train-images-idx3-ubyte.gz", dir + "train-labels-idx1-ubyte.gz", 10);
  const std::vector<std::shared_ptr<const Transform>> augment = {std::make_shared<RandomHorizontalFlip>(),
                                                                 std::make_shared<RandomCrop>(2)};
  Loader uninterrupted(images, settings(3, 64), augment);
  uninterrupted.seek({2, 0});
  std::vector<Batch> expected;
  while (auto b = uninterrupted.next()) expected.push_back(*b);

  Loader first(images, settings(3, 64), augment);
  first.seek({2, 0});
  for (int i = 0; i < 5; ++i) first.next();
  const LoaderPosition saved = first.position();
  CHECK(saved == LoaderPosition{2, 5});

  Loader resumed(images, settings(3, 64), augment);
  resumed.seek(saved);
  for (size_t i = 5; i < expected.size(); ++i) {
    auto b = resumed.next();
    REQUIRE(b.has_value());
    CHECK(at::equal(b->inputs, expected[i].inputs));
    CHECK(at::equal(b->targets, expected[i].targets));
  }
  CHECK_FALSE(resumed.next().has_value());
}

TEST_CASE("Loader: two ranks cover each example exactly once per epoch") {
  LoaderSettings s0 = settings(4, 5), s1 = settings(4, 5);
  s1.rank = 1;
  s0.world_size = s1.world_size = 2;
  Loader rank0(numbers(41), s0), rank1(numbers(41), s1);
  CHECK(rank0.examples_per_epoch() == 20);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    std::multiset<int64_t> seen;
    for (Loader* l : {&rank0, &rank1}) {
      for (const auto& t : drain(*l)) {
        for (int64_t i = 0; i < t.numel(); ++i) seen.insert(t[i].item<int64_t>());
      }
    }
    CHECK(seen.size() == 40);
    CHECK(std::set<int64_t>(seen.begin(), seen.end()).size() == 40);
  }
  LoaderSettings bad = settings(4);
  bad.rank = 2;
  bad.world_size = 2;
  CHECK_THROWS_WITH_AS(Loader(numbers(10), bad), doctest::Contains("rank must be in [0, world_size)"), ConfigError);
}

TEST_CASE("Loader: prefetching changes nothing; drop_last; uint8 inputs become floats in [0, 1]") {
  LoaderSettings eager = settings(6), ahead = settings(6);
  eager.prefetch = 0;
  ahead.prefetch = 3;
  Loader a(numbers(30), eager), b(numbers(30), ahead);
  const auto xa = drain(a), xb = drain(b);
  REQUIRE(xa.size() == xb.size());
  for (size_t i = 0; i < xa.size(); ++i) CHECK(at::equal(xa[i], xb[i]));

  LoaderSettings drop = settings(6);
  drop.drop_last = true;
  CHECK(Loader(numbers(30), drop).batches_per_epoch() == 3);
  const Dataset bytes = make_dataset(at::full({4, 1, 2, 2}, 255, at::kByte), at::zeros({4}, at::kLong), "bytes");
  Loader l(bytes, settings(0, 4));
  CHECK(at::equal(l.next()->inputs, at::ones({4, 1, 2, 2})));
}

TEST_CASE("Loader: an error in the background thread surfaces from next()") {
  const Dataset flat = make_dataset(at::zeros({8, 3}), at::zeros({8}, at::kLong), "flat");
  Loader l(flat, settings(0, 4), {std::make_shared<RandomHorizontalFlip>()});
  CHECK_THROWS_WITH_AS(l.next(), doctest::Contains("expected images (B, C, H, W), got shape [4, 3]"), ShapeError);
  CHECK_THROWS_AS(Loader(flat, settings(0, 0)), ConfigError);
}

TEST_CASE("Loader: scripts/bench/blox_order.py reproduces the epoch order in PyTorch (the benchmark's data order)") {
  // python3-torch is installed by scripts/setup, like every other test dependency.
  for (const auto& run : std::vector<std::pair<uint64_t, int64_t>>{{0, 0}, {0, 7}, {12345, 2}}) {
    const uint64_t seed = run.first;
    const int64_t epoch = run.second;
    Loader loader(numbers(1000), settings(seed));
    const test::CommandResult python = test::run_command(fmt::format(
        "/usr/bin/python3 '{}/scripts/bench/blox_order.py' {} {} 1000", BLOX_SOURCE_DIR, seed, epoch));
    REQUIRE(python.exit_code == 0);
    std::istringstream lines(python.output);
    std::vector<int64_t> order;
    for (int64_t i; lines >> i;) order.push_back(i);
    CAPTURE(seed);
    CAPTURE(epoch);
    CHECK(at::equal(at::tensor(order, at::kLong), loader.epoch_order(epoch)));
  }
}
