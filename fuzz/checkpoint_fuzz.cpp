// The checkpoint reader (safetensors, then blox's metadata): any file loads or is refused with
// a CheckpointError; no allocation beyond what the file holds.
#include "blox/core/errors.h"
#include "blox/io/checkpoint.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bx::fuzz::write_input(data, size, "last.safetensors");
  try {
    bx::load_checkpoint(path);
  } catch (const bx::Error&) {
  }
  return 0;
}
