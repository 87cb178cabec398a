// Classification datasets from IDX pairs, label checks, held-out splits.
#include "support/files.h"
#include "support/helpers.h"

using namespace bx;

TEST_CASE("read_idx_classification: the shipped subset as (N, 1, 28, 28) uint8 images and int64 labels") {
  const std::string dir = test::source_path("datasets/fashion-mnist-subset/");
  const Dataset d =
      read_idx_classification(dir + "t10k-images-idx3-ubyte.gz", dir + "t10k-labels-idx1-ubyte.gz", 10);
  CHECK(d.size() == 500);
  CHECK(d.inputs.sizes() == c10::IntArrayRef{500, 1, 28, 28});
  CHECK((d.inputs.scalar_type() == at::kByte));
  CHECK((d.targets.scalar_type() == at::kLong));
  CHECK(d.targets[4].item<int64_t>() == 6);
}

TEST_CASE("read_idx_classification: a label out of range and mismatched counts name the file and index") {
  const test::TempFile images("images.idx", test::idx_bytes({3, 1, 2}, {1, 2, 3, 4, 5, 6}));
  const test::TempFile labels("labels.idx", test::idx_bytes({3}, {0, 12, 1}));
  CHECK_THROWS_WITH_AS(read_idx_classification(images.path(), labels.path(), 10),
                       doctest::Contains("labels.idx: label 12 at index 1 is out of range [0, 10)"), DataError);
  const test::TempFile short_labels("short.idx", test::idx_bytes({2}, {0, 1}));
  CHECK_THROWS_WITH_AS(read_idx_classification(images.path(), short_labels.path(), 10),
                       doctest::Contains("holds 3 images but"), DataError);
}

TEST_CASE("split_holdout: a seeded, disjoint split covering every example") {
  const Dataset d = make_dataset(at::arange(100, at::kLong).view({100, 1}), at::arange(100, at::kLong), "numbers");
  auto [train, held] = split_holdout(d, 0.2, 7);
  CHECK(train.size() == 80);
  CHECK(held.size() == 20);
  const at::Tensor all = std::get<0>(at::cat({train.targets, held.targets}).sort());
  CHECK(at::equal(all, at::arange(100, at::kLong)));
  CHECK(at::equal(split_holdout(d, 0.2, 7).second.targets, held.targets));
  CHECK_FALSE(at::equal(split_holdout(d, 0.2, 8).second.targets, held.targets));
  CHECK_THROWS_AS(split_holdout(d, 1.0, 7), ConfigError);
}
