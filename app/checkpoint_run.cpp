#include "checkpoint_run.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/data/text.h"
#include "blox/io/safetensors.h"
#include "blox/train/ema.h"
#include "blox/train/finetune.h"

namespace blox_app {
namespace {

// The model as a fine-tuning run would start (position zero), for looking at an imported model
// as it is; one that took nothing from the file would be a random model, so that is refused.
CheckpointRun from_init_from(bx::PreparedRun prepared, const std::string& command, bool use_ema) {
  std::optional<bx::Vocabulary> vocabulary;
  if (prepared.run.data.format == bx::DataFormat::text) {
    vocabulary = bx::Vocabulary::from_text(bx::read_utf8_file(prepared.run.data.train));
  }
  bx::FinetuneStart start = bx::starting_params(prepared.model.params, vocabulary, prepared.run.finetune, use_ema);
  fmt::print(stderr, "{}\n", start.report);  // stdout may carry the predictions
  if (start.copied == 0) {
    throw bx::ConfigError(fmt::format("{}: finetune.init_from {} gave the model no param (report above); it would run "
                                      "a randomly initialized model",
                                      command, prepared.run.finetune.init_from));
  }
  bx::Checkpoint checkpoint;
  checkpoint.params = std::move(start.params);
  checkpoint.config = prepared.document.dump();
  return {std::move(checkpoint), std::move(prepared), start.ema};
}

}  // namespace

CheckpointRun open_checkpoint_run(const std::string& target, const std::string& checkpoint,
                                  const std::vector<std::string>& overrides, const std::string& command,
                                  bool use_ema) {
  const bool alone = std::filesystem::path(target).extension() == ".safetensors";
  if (!alone && checkpoint.empty()) {
    bx::PreparedRun prepared = bx::prepare_run(target, overrides);
    if (!prepared.run.finetune.init_from.empty()) return from_init_from(std::move(prepared), command, use_ema);
    throw bx::ConfigError(fmt::format("{}: --checkpoint FILE is required with a YAML config, unless the config has "
                                      "finetune.init_from (then its model is used as imported, before any training)",
                                      command));
  }
  bx::Checkpoint loaded = bx::load_checkpoint(alone ? target : checkpoint);
  const std::optional<bx::Vocabulary> vocabulary = bx::Vocabulary::find(loaded.params);
  const std::string file = alone ? target : checkpoint;
  const bool ema = use_ema && bx::has_ema(loaded.params);
  loaded.params = bx::evaluation_params(loaded.params, use_ema, file);
  if (!alone) {
    bx::PreparedRun prepared = bx::prepare_run(target, overrides, vocabulary, loaded.config);
    bx::with_saved_values(prepared.model.params, loaded.params, file);  // every model param, as the model has it
    return {std::move(loaded), std::move(prepared), ema};
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
  return {std::move(loaded), std::move(prepared), ema};
}

void add_no_ema_flag(CLI::App& command, bool& no_ema) {
  command.add_flag("--no-ema", no_ema,
                   "the checkpoint's raw params instead of their exponential moving average (train.ema), which is "
                   "used by default where the checkpoint has one");
}

void require_replaceable_output(const std::string& output, const std::vector<std::string>& inputs,
                                const std::string& command) {
  std::error_code error;
  if (output.empty() || !std::filesystem::is_regular_file(output, error)) return;
  for (const auto& input : inputs) {
    if (!input.empty() && std::filesystem::equivalent(output, input, error)) {
      throw bx::ConfigError(fmt::format("{} -o {}: that is the file being read; write elsewhere", command, output));
    }
  }
  std::map<std::string, std::string> metadata;
  try {
    metadata = bx::read_safetensors_metadata(output);
  } catch (const bx::Error&) {
    return;  // not a safetensors file: an earlier output of ours, or the user's to replace
  }
  if (metadata.count("format") && metadata.at("format").rfind("blox-checkpoint", 0) == 0) {
    throw bx::ConfigError(fmt::format("{} -o {}: that file is a blox checkpoint; write elsewhere (or remove it first)",
                                      command, output));
  }
}

}  // namespace blox_app
