// The PIL / torchvision side of the image tests: tests/data/image_reference.py run by Debian's
// Python (python3-pil, python3-torchvision, python3-sklearn; scripts/setup installs them).
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ops/from_blob.h>

#include "support/cli_runner.h"
#include "support/skip.h"
#include "support/temp_dir.h"

namespace bx::test {

/// True when the reference can run; otherwise the test case is skipped with the reason.
inline bool image_reference_available() {
  static const bool available = run_command("/usr/bin/python3 -c 'import PIL, torchvision, sklearn'").exit_code == 0;
  if (available) return true;
  skip_missing("Debian's python3-pil, python3-torchvision or python3-sklearn is missing (scripts/setup installs them)");
  return false;
}

/// `image_reference.py ARGS OUT`: the array it wrote (uint8 or float32), shaped as it printed.
inline at::Tensor image_reference(const TempDir& dir, const std::string& args, at::ScalarType dtype) {
  const std::string out = (dir.path / "reference.raw").string();
  const CommandResult r =
      run_command("/usr/bin/python3 '" + source_path("tests/data/image_reference.py") + "' " + args + " '" + out + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  std::vector<int64_t> shape;
  std::istringstream words(r.output);
  for (int64_t d; words >> d;) shape.push_back(d);
  std::string bytes = read_text(out);
  at::Tensor t = at::from_blob(bytes.data(), shape, dtype).clone();
  REQUIRE(static_cast<size_t>(t.nbytes()) == bytes.size());
  return t;
}

/// The reference's fixtures (photographs from sklearn, 16-bit and palette PNGs, a CMYK JPEG,
/// truncated files), made once per test process in a folder removed at its exit.
inline const TempDir& image_fixtures() {
  static const TempDir dir("image_fixtures");
  static const bool made = [] {
    const CommandResult r = run_command("/usr/bin/python3 '" + source_path("tests/data/image_reference.py") + "' make '" +
                                        dir.path.string() + "'");
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    return true;
  }();
  (void)made;
  return dir;
}

}  // namespace bx::test
