#include "checkpoint_run.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace blox_app {

CheckpointRun open_checkpoint_run(const std::string& target, const std::string& checkpoint,
                                  const std::vector<std::string>& overrides, const std::string& command) {
  const bool alone = std::filesystem::path(target).extension() == ".safetensors";
  if (!alone && checkpoint.empty()) {
    throw bx::ConfigError(fmt::format("{}: --checkpoint FILE is required with a YAML config", command));
  }
  bx::Checkpoint loaded = bx::load_checkpoint(alone ? target : checkpoint);
  const std::optional<bx::Vocabulary> vocabulary = bx::Vocabulary::find(loaded.params);
  const std::string file = alone ? target : checkpoint;
  if (!alone) {
    bx::PreparedRun prepared = bx::prepare_run(target, overrides, vocabulary);
    bx::with_saved_values(prepared.model.params, loaded.params, file);  // every model param, as the model has it
    return {std::move(loaded), std::move(prepared)};
  }
  // The checkpoint's resolved config (absolute data paths) stands in for the YAML file.
  const std::string config_path =
      (std::filesystem::temp_directory_path() / fmt::format("blox-{}-{}.yaml", command, static_cast<long>(::getpid())))
          .string();
  std::ofstream(config_path) << loaded.config;
  struct Cleanup {
    std::string path;
    ~Cleanup() { std::filesystem::remove(path); }
  } cleanup{config_path};
  bx::PreparedRun prepared = bx::prepare_run(config_path, overrides, vocabulary);
  bx::with_saved_values(prepared.model.params, loaded.params, file);
  return {std::move(loaded), std::move(prepared)};
}

}  // namespace blox_app
