// The --device option of train, eval, predict and bench.
#include "commands.h"

namespace blox_app {

void add_device_option(CLI::App& command, std::string& device) {
  command.add_option("--device", device, "cpu, cuda or auto (overrides the config's device)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
}

std::vector<std::string> with_device(std::vector<std::string> overrides, const std::string& device) {
  if (!device.empty()) overrides.push_back("device=" + device);
  return overrides;
}

}  // namespace blox_app
