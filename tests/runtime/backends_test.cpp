// What each flavour reports of its backends: the Debian build has no CUDA and no NCCL; the PyPI
// build has both compiled in (CUDA 13.0, pinned by scripts/setup). `blox version` prints them.
#include "blox/runtime/backends.h"
#include "support/cli_runner.h"
#include "support/helpers.h"

using namespace bx;

TEST_CASE("backends: as compiled in this flavour, and printed by blox version") {
  const Backends b = find_backends();
#ifdef BLOX_WITH_CUDA
  CHECK(b.cuda_compiled);
  CHECK(b.cuda_version == "13.0");
  CHECK(b.nccl_compiled);
  CHECK(format_backends(b).find("CUDA: compiled 13.0; ") == 0);
#else
  CHECK_FALSE(b.cuda_compiled);
  CHECK_FALSE(b.nccl_compiled);
  CHECK(b.gpus == 0);
  CHECK(format_backends(b) ==
        "CUDA: not in this build (Debian's libtorch is CPU-only; scripts/setup --libtorch pypi builds with it)\n"
        "cuDNN: not found\n"
        "NCCL: not in this build (data-parallel runs use Gloo)\n");
#endif
  const test::CommandResult version = test::run_blox("version");
  CHECK(version.exit_code == 0);
  CHECK_MESSAGE(version.output.find("blox " BLOX_VERSION " (libtorch " + b.libtorch + ")\n" + format_backends(b)) !=
                    std::string::npos,
                version.output);
}
