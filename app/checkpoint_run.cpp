#include "checkpoint_run.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/data/text.h"
#include "blox/train/finetune.h"

namespace blox_app {
namespace {

// The model as a fine-tuning run would start: fresh params (with the text vocabulary, as the
// trainer stores it) and init_from's tensors copied in; position zero.
CheckpointRun from_init_from(bx::PreparedRun prepared) {
  bx::Params params = prepared.model.params;
  if (prepared.run.data.format == bx::DataFormat::text) {
    params = bx::Vocabulary::from_text(bx::read_utf8_file(prepared.run.data.train)).store(params.unlocked()).locked();
  }
  bx::FinetuneStart start = bx::init_from_checkpoint(params, prepared.run.finetune);
  fmt::print(stderr, "{}\n", start.report);  // stdout may carry the predictions
  bx::Checkpoint checkpoint;
  checkpoint.params = std::move(start.params);
  return {std::move(checkpoint), std::move(prepared)};
}

}  // namespace

CheckpointRun open_checkpoint_run(const std::string& target, const std::string& checkpoint,
                                  const std::vector<std::string>& overrides, const std::string& command) {
  const bool alone = std::filesystem::path(target).extension() == ".safetensors";
  if (!alone && checkpoint.empty()) {
    bx::PreparedRun prepared = bx::prepare_run(target, overrides);
    if (!prepared.run.finetune.init_from.empty()) return from_init_from(std::move(prepared));
    throw bx::ConfigError(fmt::format("{}: --checkpoint FILE is required with a YAML config, unless the config has "
                                      "finetune.init_from (then its model is used as imported, before any training)",
                                      command));
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
