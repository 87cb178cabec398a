// The options several commands share: the device, the trained model to load, --no-ema.
#include "blox/runtime/device.h"
#include "commands.h"

namespace blox_app {

void add_device_option(CLI::App& command, std::string& device) {
  command.add_option("--device", device, "cpu, cuda or auto (overrides the config's device)")
      ->check(CLI::IsMember(bx::device_names()));
}

std::vector<std::string> with_device(std::vector<std::string> overrides, const std::string& device) {
  if (!device.empty()) overrides.push_back("device=" + device);
  return overrides;
}

void add_threads_option(CLI::App& command, int& threads) {
  command.add_option("--threads", threads, "libtorch intra-op and OpenBLAS threads (overrides the config's threads)")
      ->check(CLI::NonNegativeNumber);
}

std::vector<std::string> with_threads(std::vector<std::string> overrides, int threads) {
  if (threads > 0) overrides.push_back("threads=" + std::to_string(threads));
  return overrides;
}

void add_model_options(CLI::App& command, std::string& target, std::string& checkpoint) {
  command.add_option("config", target, "the YAML config, or a checkpoint alone (its stored config is used)")
      ->required();
  command.add_option("--checkpoint", checkpoint,
                     "the .safetensors checkpoint (with a YAML config; without one, a config with "
                     "finetune.init_from runs the imported model as it is)");
}

CLI::Validator non_empty_path() {
  return CLI::Validator([](std::string& path) { return path.empty() ? std::string("an empty path; name a file") : std::string(); },
                        "FILE");
}

void add_no_ema_flag(CLI::App& command, bool& no_ema) {
  command.add_flag("--no-ema", no_ema,
                   "the checkpoint's raw params instead of their exponential moving average (train.ema), which is "
                   "used by default where the checkpoint has one");
}

}  // namespace blox_app
