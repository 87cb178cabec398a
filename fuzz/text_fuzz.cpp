// Text data: any file decodes (strict UTF-8), gets a vocabulary and windows, or is refused with
// a DataError.
#include "blox/core/errors.h"
#include "blox/data/text.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bx::fuzz::write_input(data, size, "corpus.txt");
  try {
    const std::u32string text = bx::read_utf8_file(path);
    const bx::Vocabulary vocabulary = bx::Vocabulary::from_text(text);
    if (bx::Vocabulary::from_tensor(vocabulary.as_tensor()) != vocabulary) __builtin_trap();
    if (bx::to_utf8(text) != std::string(reinterpret_cast<const char*>(data), size)) __builtin_trap();
    const at::Tensor ids = vocabulary.encode(text, path);
    bx::make_language_model_dataset(ids, 16, 16, path);
    bx::make_language_model_dataset(ids, 16, 5, path);
  } catch (const bx::Error&) {
  }
  return 0;
}
