// blox version: the version of blox and of the libtorch it runs on.
#include <iostream>

#include <torch/csrc/api/include/torch/version.h>

#include "commands.h"

namespace blox_app {
namespace {

int print_version() {
  std::cout << "blox " BLOX_VERSION " (libtorch " << TORCH_VERSION << ", CUDA "
#ifdef BLOX_WITH_CUDA
            << "enabled"
#else
            << "not in this build"
#endif
            << ")\n";
  return 0;
}

}  // namespace

void add_version_command(CLI::App& app, std::function<int()>& run) {
  app.add_subcommand("version", "print the version of blox and of the libtorch it runs on")->callback([&run] {
    run = print_version;
  });
}

}  // namespace blox_app
