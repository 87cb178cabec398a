// The CSV reader, with and without a header and class labels: any file reads or is refused
// with a DataError.
#include "blox/core/errors.h"
#include "blox/data/csv.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bx::fuzz::write_input(data, size, "data.csv");
  for (const bx::CsvSettings& settings : {bx::CsvSettings{true, "label", 3, ','}, bx::CsvSettings{false, "", 0, ';'}}) {
    try {
      bx::read_csv(path, settings);
    } catch (const bx::Error&) {
    }
  }
  return 0;
}
