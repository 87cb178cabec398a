// CSV files of numeric features and one label column.
#pragma once

#include <string>

#include "blox/data/dataset.h"

namespace bx {

/// Settings of the CSV reader; field names are the YAML keys.
struct CsvSettings {
  bool header = true;       ///< the first non-empty line names the columns
  std::string label = "";   ///< the label column's name (needs header) or 0-based index; "": the last column
  int64_t classes = 0;      ///< > 0: integer class labels checked against [0, classes); 0: float targets
  char delimiter = ',';
};

/// inputs float (N, F), targets int64 (N) for classes > 0 else float (N). Blank lines are
/// skipped. Throws DataError with "file:line" for a ragged row, a non-numeric field, an
/// unknown label column (with a "did you mean"), or a label out of range.
TensorDataset read_csv(const std::string& path, const CsvSettings& settings);

}  // namespace bx
