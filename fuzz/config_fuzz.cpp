// The YAML config reader: any file is read into a config or refused with a ConfigError; nothing
// else may escape (an escaping exception is a crash, as for the CLI).
#include "blox/config/document.h"
#include "blox/config/run_config.h"
#include "blox/core/errors.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bx::fuzz::write_input(data, size, "config.yaml");
  try {
    const bx::ConfigDocument document = bx::ConfigDocument::load(path);
    bx::Options root = document.root();
    bx::read_run_config(root, "/nonexistent");
    document.diagnostics()->throw_if_any();
    document.dump();
  } catch (const bx::Error&) {
  }
  return 0;
}
