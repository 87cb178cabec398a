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
    bx::make_language_model_dataset(vocabulary.encode(text, path), 16, path);
  } catch (const bx::Error&) {
  }
  return 0;
}
