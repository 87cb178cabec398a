// What finetune.init_from reads of any .safetensors file before its tensors: the header's
// metadata, and from it whether blox wrote the file; then the tensors themselves. Any file is
// read or refused with an Error.
#include "blox/core/errors.h"
#include "blox/io/safetensors.h"
#include "blox/io/weights_file.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bx::fuzz::write_input(data, size, "model.safetensors");
  try {
    bx::read_safetensors_metadata(path);
    bx::weights_origin(path);
    bx::read_safetensors(path);
  } catch (const bx::Error&) {
  }
  return 0;
}
