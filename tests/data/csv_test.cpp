// The CSV reader: headers, label columns, and one error per kind of bad row.
#include <zlib.h>

#include "support/files.h"
#include "support/helpers.h"

using namespace bx;

namespace {

CsvSettings csv(bool header, const std::string& label, int64_t classes) {
  CsvSettings s;
  s.header = header;
  s.label = label;
  s.classes = classes;
  return s;
}

}  // namespace

TEST_CASE("read_csv: header, label by name, float features, class labels") {
  const test::TempFile f("iris.csv", "width,length,species,height\n1.5,2,1,3\n\n0.5, 4 ,0,-1e-1\n");
  const Dataset d = read_csv(f.path(), csv(true, "species", 3));
  CHECK(at::equal(d.inputs, at::tensor({1.5f, 2.0f, 3.0f, 0.5f, 4.0f, -0.1f}).view({2, 3})));
  CHECK(at::equal(d.targets, at::tensor({1, 0}, at::kLong)));
}

TEST_CASE("read_csv: no header, last column as float targets") {
  const test::TempFile f("plain.csv", "1,2,0.5\n3,4,1.5\n");
  const Dataset d = read_csv(f.path(), csv(false, "", 0));
  CHECK(d.inputs.sizes() == c10::IntArrayRef{2, 2});
  CHECK(at::equal(d.targets, at::tensor({0.5f, 1.5f})));
  CHECK(at::equal(read_csv(f.path(), csv(false, "0", 0)).targets, at::tensor({1.0f, 3.0f})));
}

TEST_CASE("read_csv: each kind of bad row names file and line") {
  const test::TempFile ragged("ragged.csv", "a,b,label\n1,2,0\n\n3,4\n");
  CHECK_THROWS_WITH_AS(read_csv(ragged.path(), csv(true, "label", 2)),
                       doctest::Contains("ragged.csv:4: ragged row: 2 fields, expected 3"), DataError);
  const test::TempFile text("text.csv", "a,label\n1,0\nseven,1\n");
  CHECK_THROWS_WITH_AS(read_csv(text.path(), csv(true, "label", 2)),
                       doctest::Contains("text.csv:3: column 1 ('a') is not a number: 'seven'"), DataError);
  CHECK_THROWS_WITH_AS(read_csv(text.path(), csv(true, "lable", 2)), doctest::Contains("did you mean 'label'?"), DataError);
  const test::TempFile range("range.csv", "a,label\n1,0\n2,5\n");
  CHECK_THROWS_WITH_AS(read_csv(range.path(), csv(true, "label", 3)),
                       doctest::Contains("range.csv: label 5 at index 1 is out of range [0, 3)"), DataError);
  const test::TempFile fraction("fraction.csv", "a,label\n1,0.5\n");
  CHECK_THROWS_WITH_AS(read_csv(fraction.path(), csv(true, "label", 3)), doctest::Contains("whole numbers"), DataError);
  const test::TempFile empty("empty.csv", "a,label\n");
  CHECK_THROWS_WITH_AS(read_csv(empty.path(), csv(true, "label", 3)), doctest::Contains("no data rows"), DataError);
  CHECK_THROWS_WITH_AS(read_csv("/nonexistent.csv", {}), doctest::Contains("/nonexistent.csv: cannot open"), DataError);
  const test::TempFile nul("nul.csv", std::string("a,label\n1,0\n2\0junk,1\n", 21));
  CHECK_THROWS_WITH_AS(read_csv(nul.path(), csv(true, "label", 2)),
                       doctest::Contains("nul.csv:3: a NUL byte at column 2; expected a text CSV file"), DataError);
  const test::TempFile nan("nan.csv", "a,label\n1,0\nnan,1\n");
  CHECK_THROWS_WITH_AS(read_csv(nan.path(), csv(true, "label", 2)),
                       doctest::Contains("nan.csv:3: column 1 ('a') is not a number: 'nan'"), DataError);
  const test::TempFile inf("inf.csv", "a,b\n1,inf\n");
  CHECK_THROWS_WITH_AS(read_csv(inf.path(), csv(true, "", 0)), doctest::Contains("is not a number: 'inf'"),
                       DataError);
}

TEST_CASE("read_csv: gzip by content, whitespace delimiter, skipped rows, no header") {
  const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/blox_test_table.gz";
  {
    gzFile out = gzopen(path.c_str(), "wb");
    REQUIRE(out != nullptr);
    const std::string text = "3 2 a count line\n  1   2\t0.5\n\n3 4 1.5\n";
    gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
    gzclose(out);
  }
  CsvSettings s = csv(false, "", 0);
  s.delimiter = "whitespace";
  s.skip_rows = 1;
  const Dataset d = read_csv(path, s);
  CHECK(at::equal(d.inputs, at::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({2, 2})));
  CHECK(at::equal(d.targets, at::tensor({0.5f, 1.5f})));
  s.skip_rows = 0;
  CHECK_THROWS_WITH_AS(read_csv(path, s), doctest::Contains("blox_test_table.gz:2: ragged row: 3 fields, expected 5"),
                       DataError);
  std::remove(path.c_str());
  const test::TempFile tabs("tabs.csv", "x\ty\n1\t2\n");
  CsvSettings t = csv(true, "y", 0);
  t.delimiter = "tab";
  CHECK(at::equal(read_csv(tabs.path(), t).targets, at::tensor({2.0f})));
}

TEST_CASE("read_csv: targets from a separate file, one column or several") {
  const test::TempFile features("features.csv", "1,2\n3,4\n5,6\n");
  const test::TempFile one("one.csv", "10\n20\n30\n");
  const test::TempFile two("two.csv", "1,-1\n2,-2\n3,-3\n");
  const test::TempFile short_file("short.csv", "1\n2\n");
  const CsvSettings s = csv(false, "", 0);
  const Dataset d = read_csv(features.path(), s, one.path());
  CHECK(at::equal(d.inputs, at::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}).view({3, 2})));  // every column a feature
  CHECK(at::equal(d.targets, at::tensor({10.0f, 20.0f, 30.0f})));
  CHECK(at::equal(read_csv(features.path(), s, two.path()).targets,
                  at::tensor({1.0f, -1.0f, 2.0f, -2.0f, 3.0f, -3.0f}).view({3, 2})));
  CHECK_THROWS_WITH_AS(read_csv(features.path(), csv(false, "", 3), two.path()),
                       doctest::Contains("2 columns; class labels are one column"), DataError);
  CHECK_THROWS_WITH_AS(read_csv(features.path(), s, short_file.path()),
                       doctest::Contains("holds 3 rows but"), DataError);
}

TEST_CASE("read_csv: categorical columns, one-hot or index, with values fitted on a file") {
  const test::TempFile train("shop.csv", "colour,size,price\nred,1,10\nblue,2,20\ngreen,3,30\nred,4,40\n");
  const test::TempFile other("other.csv", "colour,size,price\nblue,5,50\npurple,6,60\n");
  CsvSettings s = csv(true, "price", 0);
  s.categorical = {"colour"};
  s.categories = fit_csv(train.path(), s).categories;
  CHECK(s.categories.at("colour") == std::vector<std::string>{"blue", "green", "red"});
  const Dataset d = read_csv(train.path(), s);
  // Per row: one-hot (blue, green, red), then size.
  CHECK(at::equal(d.inputs, at::tensor({0.f, 0.f, 1.f, 1.f, 1.f, 0.f, 0.f, 2.f, 0.f, 1.f, 0.f, 3.f, 0.f, 0.f, 1.f, 4.f})
                                .view({4, 4})));
  s.categorical_encoding = "index";
  CHECK(at::equal(read_csv(train.path(), s).inputs, at::tensor({2.f, 1.f, 0.f, 2.f, 1.f, 3.f, 2.f, 4.f}).view({4, 2})));
  CHECK_THROWS_WITH_AS(read_csv(other.path(), s),
                       doctest::Contains("other.csv:3: column 1 ('colour') has 'purple', not among the 3 categories "
                                         "of the training file (blue, green, red)"),
                       DataError);
  s.categorical = {"colour", "shape"};
  CHECK_THROWS_WITH_AS(fit_csv(train.path(), s).categories, doctest::Contains("no categorical column 'shape'"), DataError);
  const test::TempFile strings("strings.csv", "colour,price\nred,1\n");
  CHECK_THROWS_WITH_AS(read_csv(strings.path(), csv(true, "price", 0)),
                       doctest::Contains("column 1 ('colour') is not a number: 'red' (expected a decimal within float32's range); "
                                         "hint: list a column of "
                                         "strings in data.categorical"),
                       DataError);
}

TEST_CASE("read_csv: a missing value is an error naming line and column, or filled as configured") {
  const test::TempFile f("gaps.csv", "a,b,colour,y\n1,NA,red,0\n2,3,,1\n4,5,blue,?\n");
  CsvSettings s = csv(true, "y", 2);
  s.categorical = {"colour"};
  s.categories = {{"colour", {"blue", "red"}}};
  CHECK_THROWS_WITH_AS(read_csv(f.path(), s), doctest::Contains("gaps.csv:2: column 2 ('b') has a missing value ('NA')"),
                       DataError);
  s.fill_missing = "-1";
  // Labels are never filled: row 4's '?' label stays an error.
  CHECK_THROWS_WITH_AS(read_csv(f.path(), s), doctest::Contains("gaps.csv:4: column 4 ('y') has a missing label ('?')"),
                       DataError);
  const test::TempFile g("gaps2.csv", "a,b,colour,y\n1,NA,red,0\n2,3,,1\n");
  const Dataset d = read_csv(g.path(), s);
  // Features: a, b, one-hot (blue, red); the missing colour sets no one-hot feature.
  CHECK(at::equal(d.inputs, at::tensor({1.f, -1.f, 0.f, 1.f, 2.f, 3.f, 0.f, 0.f}).view({2, 4})));
  s.fill_missing = "error";
  s.missing_values = {};
  CHECK_THROWS_WITH_AS(read_csv(g.path(), s), doctest::Contains("column 2 ('b') is not a number: 'NA'"), DataError);
}

TEST_CASE("read_csv: rows shaped as images; features alone for new data") {
  const test::TempFile f("pixels.csv", "1,2,3,4,0\n5,6,7,8,1\n");
  CsvSettings s = csv(false, "", 2);
  s.shape = {1, 2, 2};
  const Dataset d = read_csv(f.path(), s);
  CHECK(d.inputs.sizes() == c10::IntArrayRef{2, 1, 2, 2});
  CHECK(d.inputs[1][0][1][0].item<float>() == 7.0f);
  s.shape = {1, 3, 3};
  CHECK_THROWS_WITH_AS(read_csv(f.path(), s), doctest::Contains("4 features per row do not fill data.shape 1x3x3 (9 values)"),
                       DataError);
  const test::TempFile unlabelled("new.csv", "1,2,3,4\n");
  s.shape = {};
  const Dataset n = read_csv_features(unlabelled.path(), s);
  CHECK(n.inputs.sizes() == c10::IntArrayRef{1, 4});
  CHECK(at::equal(n.targets, at::tensor({0}, at::kLong)));
}

TEST_CASE("read_csv_for_prediction: columns matched by name in any order; the label column optional") {
  const test::TempFile train("pred_train.csv", "a,label,b,colour\n1,0,2,red\n3,1,4,blue\n");
  CsvSettings s = csv(true, "label", 2);
  s.categorical = {"3"};  // by index: colour, whatever order a prediction file has
  s.categories = {{"3", {"blue", "red"}}};
  const test::TempFile same("pred_same.csv", "a,b,colour\n5,6,blue\n");
  const test::TempFile shuffled("pred_shuffled.csv", "colour,b,a\nblue,6,5\n");
  const CsvPredictionRows one = read_csv_for_prediction(same.path(), train.path(), s, false);
  const CsvPredictionRows two = read_csv_for_prediction(shuffled.path(), train.path(), s, false);
  CHECK_FALSE(one.labelled);
  CHECK(at::equal(one.data.inputs, at::tensor({5.0f, 6.0f, 1.0f, 0.0f}).view({1, 4})));  // a, b, one-hot colour
  CHECK(at::equal(two.data.inputs, one.data.inputs));
  CHECK(at::equal(one.data.targets, at::tensor({0}, at::kLong)));  // row indices
  const test::TempFile labelled("pred_labelled.csv", "b,label,colour,a\n6,1,red,5\n");
  const CsvPredictionRows three = read_csv_for_prediction(labelled.path(), train.path(), s, false);
  CHECK(three.labelled);
  CHECK(at::equal(three.data.inputs, at::tensor({5.0f, 6.0f, 0.0f, 1.0f}).view({1, 4})));
  CHECK(at::equal(three.data.targets, at::tensor({1}, at::kLong)));
}

TEST_CASE("read_csv_for_prediction: a missing feature, an unknown or repeated column is an error naming it") {
  const test::TempFile train("pred_train2.csv", "x1,x2,y\n1,2,0\n");
  const CsvSettings s = csv(true, "y", 2);
  const test::TempFile missing("pred_missing.csv", "x1,y\n1,0\n");
  CHECK_THROWS_WITH_AS(read_csv_for_prediction(missing.path(), train.path(), s, false),
                       doctest::Contains("the feature column 'x2' of the training file"), DataError);
  const test::TempFile extra("pred_extra.csv", "x1,x2,x3\n1,2,3\n");
  CHECK_THROWS_WITH_AS(read_csv_for_prediction(extra.path(), train.path(), s, false),
                       doctest::Contains("column 'x3' is not a column of the training file"), DataError);
  const test::TempFile twice("pred_twice.csv", "x1,x2,x1\n1,2,3\n");
  CHECK_THROWS_WITH_AS(read_csv_for_prediction(twice.path(), train.path(), s, false),
                       doctest::Contains("the header names column 'x1' twice"), DataError);
}

TEST_CASE("read_csv_for_prediction: without a header, by position: the features, or every column with the label") {
  const test::TempFile train("pred_train3.csv", "1,9,2\n3,8,4\n");
  const CsvSettings s = csv(false, "1", 0);  // the middle column is the target
  const test::TempFile features("pred_features.csv", "5,6\n");
  const CsvPredictionRows unlabelled = read_csv_for_prediction(features.path(), train.path(), s, false);
  CHECK_FALSE(unlabelled.labelled);
  CHECK(at::equal(unlabelled.data.inputs, at::tensor({5.0f, 6.0f}).view({1, 2})));
  const test::TempFile all("pred_all.csv", "5,7,6\n");
  const CsvPredictionRows labelled = read_csv_for_prediction(all.path(), train.path(), s, false);
  CHECK(labelled.labelled);
  CHECK(at::equal(labelled.data.inputs, at::tensor({5.0f, 6.0f}).view({1, 2})));
  CHECK(at::equal(labelled.data.targets, at::tensor({7.0f})));
  const test::TempFile wide("pred_wide.csv", "1,2,3,4\n");
  CHECK_THROWS_WITH_AS(read_csv_for_prediction(wide.path(), train.path(), s, false),
                       doctest::Contains("4 columns; expected the 2 feature columns"), DataError);
}

TEST_CASE("read_csv: RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes") {
  const test::TempFile f("quoted.csv",
                         "name,colour,size\n\"Smith, J\",\"red\",1\n\"say \"\"hi\"\"\", red ,2\n\"two\nlines\",blue,3\n"
                         "last,blue,4\n");
  CsvSettings s = csv(true, "size", 0);
  s.categorical = {"name", "colour"};
  const CsvCategories fitted = fit_csv(f.path(), s).categories;
  // "red" quoted and red unquoted are one category, not two.
  CHECK(fitted.at("colour") == std::vector<std::string>{"blue", "red"});
  CHECK(fitted.at("name") == std::vector<std::string>{"Smith, J", "last", "say \"hi\"", "two\nlines"});
  s.categories = fitted;
  s.categorical_encoding = "index";
  const Dataset d = read_csv(f.path(), s);
  CHECK(at::equal(d.inputs, at::tensor({0.0f, 1.0f, 2.0f, 1.0f, 3.0f, 0.0f, 1.0f, 0.0f}).view({4, 2})));
  CHECK(at::equal(d.targets, at::tensor({1.0f, 2.0f, 3.0f, 4.0f})));
  // A line after a quoted line break is still named by its own number.
  const test::TempFile bad("bad_after.csv", "a,b\n\"x\ny\",1\nz,2\n");
  CsvSettings one = csv(true, "b", 0);
  one.categorical = {"a"};
  one.categories = {{"a", {"x\ny"}}};
  CHECK_THROWS_WITH_AS(read_csv(bad.path(), one), doctest::Contains("bad_after.csv:4: column 1 ('a') has 'z'"),
                       DataError);
}

TEST_CASE("read_csv: a quote left open, text after a closing quote, a quote inside a field are errors") {
  const test::TempFile open("open.csv", "a,b\n1,2\n\"3,4\n5,6\n");
  CHECK_THROWS_WITH_AS(read_csv(open.path(), csv(true, "b", 0)),
                       doctest::Contains("open.csv:3: field 1 opens a quote that is never closed"), DataError);
  const test::TempFile after("after.csv", "a,b\n\"1\"x,2\n");
  CHECK_THROWS_WITH_AS(read_csv(after.path(), csv(true, "b", 0)),
                       doctest::Contains("after.csv:2: 'x' after the closing quote of field 1"), DataError);
  const test::TempFile inside("inside.csv", "a,b\n1,5'10\"\n");
  CHECK_THROWS_WITH_AS(read_csv(inside.path(), csv(true, "a", 0)),
                       doctest::Contains("inside.csv:2: a quote inside unquoted field 2"), DataError);
}

TEST_CASE("read_csv: numbers are decimals within float32's range: hex, 1e300 and blanks inside are refused") {
  const test::TempFile fine("fine.csv", "a,b\n+1.5,.5\n5.,1e3\n-2E-2,0\n");
  const Dataset d = read_csv(fine.path(), csv(true, "b", 0));
  CHECK(at::equal(d.inputs.view({-1}), at::tensor({1.5f, 5.0f, -0.02f})));
  CHECK(at::equal(d.targets, at::tensor({0.5f, 1000.0f, 0.0f})));
  for (const std::string field : {"0x1A", "1e300", "-1e39", "1 2", "1e", ".", "e5", "infinity", "1_000"}) {
    CAPTURE(field);
    const test::TempFile f("number.csv", "a,b\n1,0\n" + field + ",1\n");
    const std::string expected = "number.csv:3: column 1 ('a') is not a number: '" + field + "'";
    CHECK_THROWS_WITH_AS(read_csv(f.path(), csv(true, "b", 0)), doctest::Contains(expected.c_str()), DataError);
  }
  CHECK(csv_number("3.4e38").has_value());
  CHECK_FALSE(csv_number("3.5e38").has_value());
}

TEST_CASE("read_csv: a header naming a column twice, or bytes that are not UTF-8, are refused at read") {
  const test::TempFile twice("twice.csv", "x1,x2,x1,y\n1,2,3,0\n");
  CHECK_THROWS_WITH_AS(read_csv(twice.path(), csv(true, "y", 0)),
                       doctest::Contains("twice.csv:1: the header names column 'x1' twice (columns 1 and 3)"),
                       DataError);
  const test::TempFile latin1("latin1.csv", "city,label\nZ\xfcrich,0\n");
  CHECK_THROWS_WITH_AS(fit_csv(latin1.path(), [] {
                         CsvSettings s = csv(true, "label", 2);
                         s.categorical = {"city"};
                         return s;
                       }()),
                       doctest::Contains("latin1.csv:2: byte 0xfc at column 2 is not valid UTF-8"), DataError);
}

TEST_CASE("read_csv: string class labels are read through class_names, fitted sorted on the training file") {
  const test::TempFile f("pets.csv", "w,kind\n1,dog\n2,cat\n3,\"bird\"\n4,cat\n");
  CsvSettings s = csv(true, "kind", 3);
  CHECK(fit_csv(f.path(), s).class_names == std::vector<std::string>{"bird", "cat", "dog"});
  s.class_names = fit_csv(f.path(), s).class_names;
  CHECK(at::equal(read_csv(f.path(), s).targets, at::tensor({2, 1, 0, 1}, at::kLong)));
  s.class_names = {"dog", "cat", "bird"};  // given: their order is the index
  CHECK(at::equal(read_csv(f.path(), s).targets, at::tensor({0, 1, 2, 1}, at::kLong)));
  s.class_names = {"dog", "cat", "bat"};
  CHECK_THROWS_WITH_AS(read_csv(f.path(), s),
                       doctest::Contains("pets.csv:4: column 2 ('kind') has the label 'bird', not among "
                                         "data.class_names (dog, cat, bat)"),
                       DataError);
  // Numeric labels are class indices as ever: nothing to fit.
  const test::TempFile numeric("numeric.csv", "w,y\n1,0\n2,1\n");
  CHECK(fit_csv(numeric.path(), csv(true, "y", 2)).class_names.empty());
  const test::TempFile labels("labels.csv", "kind\nb\na\n");
  const test::TempFile features("features.csv", "w\n1\n2\n");
  CHECK(fit_csv(features.path(), csv(true, "", 2), labels.path()).class_names == std::vector<std::string>{"a", "b"});
}
