// The TensorBoard event reader, as a resume runs it: any file in a run directory is read back
// and truncated after a step, or refused with an Error naming it; nothing else escapes.
#include "blox/core/errors.h"
#include "blox/io/tensorboard_events.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bx::fuzz::write_input(data, size, "events.out.tfevents.1700000000.fuzz.blox");
  const std::string dir = path.substr(0, path.rfind('/'));
  try {
    bx::read_event_file(path);
    bx::truncate_events_after(dir, 3);
  } catch (const bx::Error&) {
  }
  return 0;
}
