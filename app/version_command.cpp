// blox version: the version of blox, of the libtorch it runs on, and the backends it has.
#include <iostream>

#include "blox/runtime/backends.h"

#include "commands.h"

namespace blox_app {
namespace {

int print_version() {
  const bx::Backends backends = bx::find_backends();
  std::cout << "blox " BLOX_VERSION " (libtorch " << backends.libtorch << ")\n" << bx::format_backends(backends);
  return 0;
}

}  // namespace

void add_version_command(CLI::App& app, std::function<int()>& run) {
  app.add_subcommand("version", "print the version of blox and of the libtorch it runs on")->callback([&run] {
    run = print_version;
  });
}

}  // namespace blox_app
