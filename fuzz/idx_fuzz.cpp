// The IDX reader, raw or gzip: any file reads or is refused with a DataError.
#include "blox/core/errors.h"
#include "blox/data/idx.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bx::fuzz::write_input(data, size, "data.idx.gz");
  try {
    bx::read_idx(path);
  } catch (const bx::Error&) {
  }
  return 0;
}
