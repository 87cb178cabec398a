#include "blox/infer/trained_model.h"

#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/data/text.h"
#include "blox/runtime/compute_threads.h"
#include "blox/train/ema.h"
#include "blox/train/finetune.h"

namespace bx {
namespace {

// The model as a fine-tuning run would start (position zero), for looking at an imported model
// as it is; one that took nothing from the file would be a random model, so that is refused.
TrainedModel from_init_from(PreparedRun prepared, const std::string& command, bool use_ema) {
  std::optional<Vocabulary> vocabulary;
  if (prepared.run.data.format == DataFormat::text) {
    vocabulary = Vocabulary::from_text(read_utf8_file(prepared.run.data.train));
  }
  FinetuneStart start = starting_params(prepared.model.params, vocabulary, prepared.run.finetune, use_ema);
  fmt::print(stderr, "{}\n", start.report);  // stdout may carry the predictions
  if (start.copied == 0) {
    throw ConfigError(fmt::format("{}: finetune.init_from {} gave the model no param (report above); it would run "
                                  "a randomly initialized model",
                                  command, prepared.run.finetune.init_from));
  }
  Checkpoint checkpoint;
  checkpoint.params = std::move(start.params);
  checkpoint.config = prepared.document.dump();
  return {std::move(checkpoint), std::move(prepared), start.ema};
}

TrainedModel load(const std::string& target, const std::string& checkpoint, const std::vector<std::string>& overrides,
                  const std::string& command, bool use_ema) {
  const bool alone = std::filesystem::path(target).extension() == ".safetensors";
  if (!alone && checkpoint.empty()) {
    PreparedRun prepared = prepare_run(target, overrides);
    if (!prepared.run.finetune.init_from.empty()) return from_init_from(std::move(prepared), command, use_ema);
    throw ConfigError(fmt::format("{}: --checkpoint FILE is required with a YAML config, unless the config has "
                                  "finetune.init_from (then its model is used as imported, before any training)",
                                  command));
  }
  const std::string file = alone ? target : checkpoint;
  Checkpoint loaded = load_checkpoint(file);
  const std::optional<Vocabulary> vocabulary = Vocabulary::find(loaded.params);
  const bool ema = use_ema && has_ema(loaded.params);
  loaded.params = evaluation_params(loaded.params, use_ema, file);
  // Alone, the checkpoint's resolved config (absolute data paths) stands in for the YAML file.
  PreparedRun prepared = alone ? prepare_stored_run(loaded.config, file, overrides, vocabulary)
                               : prepare_run(target, overrides, vocabulary, loaded.config);
  with_saved_values(prepared.model.params, loaded.params, file);  // every model param, as the model has it
  return {std::move(loaded), std::move(prepared), ema};
}

}  // namespace

TrainedModel load_trained_model(const std::string& target, const std::string& checkpoint,
                                const std::vector<std::string>& overrides, const std::string& command, bool use_ema) {
  TrainedModel model = load(target, checkpoint, overrides, command, use_ema);
  // The run's threads (config or --threads) for the work ahead, as training used them.
  if (model.prepared.run.threads > 0) set_compute_threads(static_cast<int>(model.prepared.run.threads));
  return model;
}

}  // namespace bx
