// CSV tables (raw or gzip): numeric and categorical feature columns, a label column or a
// separate labels file, missing values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "blox/data/dataset.h"
#include "blox/schema/rule.h"

namespace bx {

/// The values of each categorical column (by the name or index the config gives), sorted;
/// a value's position is its index (and its one-hot column).
using CsvCategories = std::map<std::string, std::vector<std::string>>;

/// The CSV reader's settings. The fields are YAML keys of `data:` when `format: csv`.
struct CsvSettings {
  bool header = true;
  std::string label;  ///< the label column's name or 0-based index; "": the last column
  std::string delimiter = ",";
  int64_t skip_rows = 0;
  std::vector<std::string> categorical;
  std::string categorical_encoding = "one_hot";
  std::vector<std::string> missing_values{"", "NA", "?"};
  std::string fill_missing = "error";
  std::vector<int64_t> shape;

  // Set by the data config, not keys of their own:
  int64_t classes = 0;      ///< > 0: integer class labels checked against [0, classes); 0: float targets
  CsvCategories categories;
  std::vector<std::string> class_names;  ///< `data.class_names`: a label column of strings is read through them  ///< `data.categories`, fitted on the training file when not given

  template <class Visit>
  void fields(Visit& visit) {
    visit("header", header, Rule(), "csv: the first row (after skip_rows) names the columns");
    visit("label", label, Rule(),
          "csv: the label (or regression target) column, by name or 0-based index; \"\": the last column. With "
          "train_labels/test_labels (a separate file whose columns are the targets) every column is a feature");
    visit("delimiter", delimiter, Rule(), "csv: one character, `tab`, or `whitespace` (runs of spaces and tabs)");
    visit("skip_rows", skip_rows, Rule::non_negative(), "csv: lines skipped at the top, before the header");
    visit("categorical", categorical, Rule(),
          "csv: columns (names or indices) holding strings; their values are fitted on the training file into "
          "`data.categories` (written into the resolved config, so checkpoints keep them), unless given there");
    visit("categorical_encoding", categorical_encoding, Rule::one_of({"one_hot", "index"}),
          "csv: a categorical column becomes one 0/1 feature per value (one_hot), or one feature holding the "
          "value's position (index)");
    visit("missing_values", missing_values, Rule(), "csv: fields that mean a missing value");
    visit("fill_missing", fill_missing, Rule(),
          "csv: `error` (a missing feature is an error naming file, line and column), or a number put in its "
          "place (a missing categorical value then has no one-hot feature set, or index -1). Labels are never "
          "filled");
    visit("shape", shape, Rule::positive(),
          "csv: each row's features as this shape, e.g. [1, 8, 8] for 8x8 images; []: a flat feature vector");
  }
};

/// A CSV file's fields as text: the header's names (empty without one), the data rows and each
/// row's line number.
struct CsvTable {
  std::string path;
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> lines;
  size_t width = 0;

  std::string where(size_t row) const;   ///< "path:line" of a data row
  std::string column(size_t i) const;    ///< "3 ('name')", 1-based
};

/// Reads `path` (raw or gzip; RFC 4180 quoting, UTF-8 checked) with `settings`' header,
/// delimiter and skip_rows. Throws DataError naming file and line: a ragged row, a header naming
/// a column twice, no data rows.
CsvTable read_csv_table(const std::string& path, const CsvSettings& settings);

/// A CSV field as the float32 it becomes: a decimal number ([+-] digits [. digits] [e [+-]
/// digits]) within float32's range; nothing otherwise (hex, inf, nan, 1e300, blanks).
std::optional<double> csv_number(const std::string& field);

/// `text` as one field of a CSV file written (RFC 4180): quoted, its quotes doubled, when it
/// holds a comma, a quote or a line break; as it is otherwise.
std::string csv_field(const std::string& text);

/// inputs float (N, F) (or (N, shape...)), targets int64 (N) for classes > 0, else float (N)
/// or (N, T) for T target columns. With `labels_path` the targets are that file's columns and
/// every column of `path` is a feature. Blank lines are skipped. Throws DataError with
/// "file:line" for a ragged row, a non-numeric field, a missing value (unless filled), an
/// unknown column (with a "did you mean"), a category not in `settings.categories`, or a label
/// out of range.
Dataset read_csv(const std::string& path, const CsvSettings& settings, const std::string& labels_path = "");

/// Every column of `path` as a feature; targets are the row indices (new data to predict on).
Dataset read_csv_features(const std::string& path, const CsvSettings& settings);

/// Rows to predict on, and whether they carry the label column (then it is read, for scoring).
struct CsvPredictionRows {
  Dataset data;  ///< targets: the labels when `labelled`, else the row indices
  bool labelled = false;
};

/// `path` read against the columns of the training file `train_path` (whose labels are in a
/// file of their own when `separate_labels`). With a header, columns are matched by name, in
/// any order: every feature column of the training file must be there, the label column may
/// be, and any other column, or a repeated name, is a DataError naming it. Without a header,
/// by position: the training file's feature columns, or all its columns (label included).
CsvPredictionRows read_csv_for_prediction(const std::string& path, const std::string& train_path,
                                          const CsvSettings& settings, bool separate_labels);

/// What a run fits on its training file, in one reading of it.
struct CsvFit {
  CsvCategories categories;  ///< each of `categorical`'s columns: its sorted distinct values
  /// With `classes` > 0, the sorted distinct labels of the label column (or of `labels_path`'s
  /// one column) when they are not all numbers; empty when they are.
  std::vector<std::string> class_names;
};

/// The values of `settings`' categorical columns and class labels in `path` (missing values
/// left out).
CsvFit fit_csv(const std::string& path, const CsvSettings& settings, const std::string& labels_path = "");

}  // namespace bx
