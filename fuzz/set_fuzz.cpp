// --set parsing: any override text is applied to a config or refused with a ConfigError.
#include "blox/config/document.h"
#include "blox/config/run_config.h"
#include "blox/core/errors.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char kBase[] =
      "seed: 1\ndata: {format: idx, train: t, train_labels: l, classes: 10, batch_size: 8}\n"
      "model:\n  layers:\n    - {type: flatten}\n    - {type: linear, name: hidden, output_size: 32}\n"
      "optimizer: {type: adam, learning_rate: 0.001}\ntrain: {epochs: 1}\n";
  static const std::string base =
      bx::fuzz::write_input(reinterpret_cast<const uint8_t*>(kBase), sizeof(kBase) - 1, "base.yaml");
  try {
    const bx::ConfigDocument document =
        bx::ConfigDocument::load(base, {std::string(reinterpret_cast<const char*>(data), size)});
    bx::Options root = document.root();
    bx::read_run_config(root, "/nonexistent");
    document.diagnostics()->throw_if_any();
  } catch (const bx::Error&) {
  }
  return 0;
}
