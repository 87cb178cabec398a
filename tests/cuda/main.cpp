// doctest's main for the GPU tests (ctest label `cuda`): without a GPU they are skipped, with the
// reason printed (exit 77, the tests' SKIP_RETURN_CODE), never passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include "support/doctest_main.h"

#include <cstdio>

#include <torch/cuda.h>

int main(int argc, char** argv) {
  if (!torch::cuda::is_available()) {
#ifdef BLOX_WITH_CUDA
    std::puts("skipped: this libtorch has CUDA, but torch::cuda::is_available() is false (no GPU or no driver)");
#else
    std::puts("skipped: this libtorch has no CUDA (Debian's CPU build); build with scripts/setup --libtorch pypi");
#endif
    return 77;
  }
  return bx::test::run_doctest(argc, argv);
}
