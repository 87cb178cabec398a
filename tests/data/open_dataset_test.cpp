// open_dataset: one dispatch on the data format for training, evaluation and prediction.
#include "blox/data/open_dataset.h"

#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "support/files.h"

using namespace bx;

TEST_CASE("open_dataset: IDX with labels, IDX images alone (targets are indices), CSV, text") {
  const std::string s = test::source_path("datasets/fashion-mnist-subset/");
  DataSource idx{DataFormat::idx, s + "t10k-images-idx3-ubyte.gz", s + "t10k-labels-idx1-ubyte.gz", 10};
  const Dataset labelled = open_dataset(idx);
  CHECK(labelled.inputs.sizes() == c10::IntArrayRef{500, 1, 28, 28});
  CHECK(labelled.targets.max().item<int64_t>() < 10);
  idx.labels = "";
  const Dataset images = open_dataset(idx);
  CHECK(images.inputs.size(0) == 500);
  CHECK(images.targets[499].item<int64_t>() == 499);
  CHECK(example_input(idx).sizes() == c10::IntArrayRef{1, 1, 28, 28});

  test::TempFile csv("open.csv", "a,b,label\n1,2,0\n3,4,1\n");
  DataSource table{DataFormat::csv, csv.path()};
  table.csv.classes = 2;
  CHECK(open_dataset(table).inputs.sizes() == c10::IntArrayRef{2, 2});
  CHECK(example_input(table).sizes() == c10::IntArrayRef{1, 2});

  test::TempFile text("open.txt", "abcabcabcabc");
  const Vocabulary vocabulary = Vocabulary::from_text(U"abc");
  DataSource chars{DataFormat::text, text.path()};
  chars.sequence_length = 3;
  CHECK_THROWS_AS(open_dataset(chars), ConfigError);  // no vocabulary to encode with
  chars.vocabulary = &vocabulary;
  CHECK(open_dataset(chars).inputs.size(1) == 3);
  CHECK(example_input(chars).dtype() == at::kLong);
}

TEST_CASE("data formats by name") {
  CHECK(data_format("csv") == DataFormat::csv);
  CHECK(data_format_name(DataFormat::text) == std::string("text"));
  CHECK_THROWS_WITH_AS(data_format("parquet"), "unknown data format 'parquet' (known: idx, csv, text, image_folder, image_list)", ConfigError);
}
