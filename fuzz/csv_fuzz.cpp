// The CSV reader, with a header and class labels, and headerless with a categorical column and
// filled missing values: any file reads or is refused
// with a DataError.
#include "blox/core/errors.h"
#include "blox/data/csv.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bx::fuzz::write_input(data, size, "data.csv");
  bx::CsvSettings labelled;
  labelled.label = "label";
  labelled.classes = 3;
  bx::CsvSettings categorical;
  categorical.header = false;
  categorical.delimiter = "whitespace";
  categorical.categorical = {"0"};
  categorical.categories = {{"0", {"a", "b"}}};
  categorical.fill_missing = "0";
  for (const bx::CsvSettings& settings : {labelled, categorical}) {
    try {
      bx::read_csv(path, settings);
    } catch (const bx::Error&) {
    }
  }
  return 0;
}
