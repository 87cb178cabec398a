// The CSV reader: headers, label columns, and one error per kind of bad row.
#include "data/files.h"
#include "helpers.h"

using namespace bx;

TEST_CASE("read_csv: header, label by name, float features, class labels") {
  const test::TempFile f("iris.csv", "width,length,species,height\n1.5,2,1,3\n\n0.5, 4 ,0,-1e-1\n");
  const TensorDataset d = read_csv(f.path(), {true, "species", 3});
  CHECK(at::equal(d.inputs, at::tensor({1.5f, 2.0f, 3.0f, 0.5f, 4.0f, -0.1f}).view({2, 3})));
  CHECK(at::equal(d.targets, at::tensor({1, 0}, at::kLong)));
}

TEST_CASE("read_csv: no header, last column as float targets") {
  const test::TempFile f("plain.csv", "1,2,0.5\n3,4,1.5\n");
  const TensorDataset d = read_csv(f.path(), {false, "", 0});
  CHECK(d.inputs.sizes() == c10::IntArrayRef{2, 2});
  CHECK(at::equal(d.targets, at::tensor({0.5f, 1.5f})));
  CHECK(at::equal(read_csv(f.path(), {false, "0", 0}).targets, at::tensor({1.0f, 3.0f})));
}

TEST_CASE("read_csv: each kind of bad row names file and line") {
  const test::TempFile ragged("ragged.csv", "a,b,label\n1,2,0\n\n3,4\n");
  CHECK_THROWS_WITH_AS(read_csv(ragged.path(), {true, "label", 2}),
                       doctest::Contains("ragged.csv:4: ragged row: 2 fields, expected 3"), DataError);
  const test::TempFile text("text.csv", "a,label\n1,0\nseven,1\n");
  CHECK_THROWS_WITH_AS(read_csv(text.path(), {true, "label", 2}),
                       doctest::Contains("text.csv:3: column 1 ('a') is not a finite number: 'seven'"), DataError);
  CHECK_THROWS_WITH_AS(read_csv(text.path(), {true, "lable", 2}), doctest::Contains("did you mean 'label'?"), DataError);
  const test::TempFile range("range.csv", "a,label\n1,0\n2,5\n");
  CHECK_THROWS_WITH_AS(read_csv(range.path(), {true, "label", 3}),
                       doctest::Contains("range.csv: label 5 at index 1 is out of range [0, 3)"), DataError);
  const test::TempFile fraction("fraction.csv", "a,label\n1,0.5\n");
  CHECK_THROWS_WITH_AS(read_csv(fraction.path(), {true, "label", 3}), doctest::Contains("whole numbers"), DataError);
  const test::TempFile empty("empty.csv", "a,label\n");
  CHECK_THROWS_WITH_AS(read_csv(empty.path(), {true, "label", 3}), doctest::Contains("no data rows"), DataError);
  CHECK_THROWS_WITH_AS(read_csv("/nonexistent.csv", {}), doctest::Contains("/nonexistent.csv: cannot open"), DataError);
  const test::TempFile nul("nul.csv", std::string("a,label\n1,0\n2\0junk,1\n", 21));
  CHECK_THROWS_WITH_AS(read_csv(nul.path(), {true, "label", 2}),
                       doctest::Contains("nul.csv:3: a NUL byte at column 2; expected a text CSV file"), DataError);
  const test::TempFile nan("nan.csv", "a,label\n1,0\nnan,1\n");
  CHECK_THROWS_WITH_AS(read_csv(nan.path(), {true, "label", 2}),
                       doctest::Contains("nan.csv:3: column 1 ('a') is not a finite number: 'nan'"), DataError);
  const test::TempFile inf("inf.csv", "a,b\n1,inf\n");
  CHECK_THROWS_WITH_AS(read_csv(inf.path(), {true, "", 0}), doctest::Contains("is not a finite number: 'inf'"),
                       DataError);
}
