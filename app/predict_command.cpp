// blox predict CONFIG --checkpoint FILE (or CHECKPOINT alone): one prediction per example of a
// split or a data file, as CSV or JSON Lines; or the raw outputs with their inputs as safetensors.
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/data/open_dataset.h"
#include "blox/io/atomic_file.h"
#include "blox/metrics/catalogue.h"
#include "blox/runtime/device.h"
#include "blox/infer/predict.h"
#include "blox/infer/prediction_tensors.h"
#include "blox/train/run_data.h"
#include "checkpoint_run.h"
#include "commands.h"

namespace blox_app {
namespace {

struct Input {
  bx::TensorDataset data;
  bool labelled;
};

// A data file in the config's format; IDX images come without labels (targets: their indices).
Input read_input(const bx::DataConfig& config, const std::string& path) {
  if (config.format == bx::DataFormat::text) {
    throw bx::ConfigError("predict --input: data format 'text' is not supported (idx and csv are); "
                          "hint: use blox eval for language models");
  }
  if (config.format == bx::DataFormat::csv) {
    // New rows to predict on lack the label column the training file has (or, with a separate
    // labels file, hold features only); rows with it are scored as well.
    const bool labelled = config.train_labels.empty() &&
                          bx::csv_column_count(path, config.csv) == bx::csv_column_count(config.train, config.csv);
    return {labelled ? bx::read_csv(path, config.csv) : bx::read_csv_features(path, config.csv), labelled};
  }
  return {bx::open_dataset(config.source(path, "")), false};  // IDX images alone carry no labels
}

}  // namespace

void add_predict_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string target;
    std::string checkpoint;
    std::string split = "test";
    std::string input;
    std::string output;
    std::string format;
    int64_t limit = 0;
    std::vector<std::string> overrides;
    std::string device;
    bool no_ema = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("predict", "write a checkpoint's predictions for a split or a data file (CSV/JSONL)");
  cmd->add_option("config", flags->target, "the YAML config, or a checkpoint alone (its stored config is used)")
      ->required();
  cmd->add_option("--checkpoint", flags->checkpoint, "the .safetensors checkpoint (with a YAML config; without one, a config with finetune.init_from runs the imported model as it is)");
  auto* split = cmd->add_option("--data", flags->split, "a split of the config's data: test (default), validation or train");
  cmd->add_option("--input", flags->input, "a data file in the config's format (IDX images, or CSV with the config's columns, the label column optional)")
      ->excludes(split);
  cmd->add_option("-o,--output", flags->output, "the file to write (default: standard output); replaced atomically");
  cmd->add_option("--format", flags->format,
                  "csv, jsonl, or safetensors: tensors inputs (after the evaluation transforms), outputs (raw, "
                  "float32), targets, raw_inputs (before the transforms, when there are any); default: from the "
                  "output's extension, else csv")
      ->check(CLI::IsMember({"csv", "jsonl", "safetensors"}));
  cmd->add_option("--limit", flags->limit, "with --format safetensors: only the first N examples (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  add_device_option(*cmd, flags->device);
  add_no_ema_flag(*cmd, flags->no_ema);
  cmd->callback([flags, &run] {
    run = [flags] {
      std::string format = flags->format;
      const std::filesystem::path extension = std::filesystem::path(flags->output).extension();
      if (format.empty()) format = extension == ".jsonl" ? "jsonl" : extension == ".safetensors" ? "safetensors" : "csv";
      if (format == "safetensors" && flags->output.empty()) {
        throw bx::ConfigError("predict --format safetensors: needs -o FILE (binary output is not written to a terminal)");
      }
      if (flags->limit > 0 && format != "safetensors") {
        throw bx::ConfigError("predict --limit: applies to --format safetensors only");
      }
      require_replaceable_output(flags->output, {flags->target, flags->checkpoint, flags->input}, "predict");
      const CheckpointRun opened =
          open_checkpoint_run(flags->target, flags->checkpoint, with_device(flags->overrides, flags->device), "predict",
                              !flags->no_ema);
      const bx::RunConfig& run_config = opened.prepared.run;
      const std::optional<bx::Vocabulary> vocabulary = bx::Vocabulary::find(opened.checkpoint.params);
      const Input input = flags->input.empty()
                              ? Input{bx::load_split(run_config.data, run_config.seed, flags->split, vocabulary), true}
                              : read_input(run_config.data, flags->input);
      bx::Loader loader(input.data, bx::evaluation_loader_settings(run_config.data),
                        bx::evaluation_transforms(run_config.data));
      const c10::Device device = bx::resolve_device(run_config.device);
      const bx::Params params = bx::params_to_device(opened.checkpoint.params, device);
      if (format == "safetensors") {
        std::optional<bx::Loader> raw;
        if (!bx::evaluation_transforms(run_config.data).empty()) {
          raw.emplace(input.data, bx::evaluation_loader_settings(run_config.data));
        }
        const bx::TensorFile tensors = bx::prediction_tensors(*opened.prepared.model.layer, params, loader, flags->limit,
                                                              input.labelled, device, raw ? &*raw : nullptr);
        bx::write_file_atomically(flags->output, [&](const bx::WriteBytes& write) { bx::write_safetensors(tensors, write); });
        fmt::print(stderr, "{} examples' inputs and outputs written to {}\n", tensors.tensors[0].second.size(0),
                   flags->output);
        return 0;
      }
      const bx::PredictionOptions options{bx::parse_prediction_format(format, "--format"),
                                          bx::loss_task(run_config.loss.type) == bx::LossTask::classification,
                                          input.labelled};
      std::ostringstream rows;
      const int64_t count = bx::write_predictions(*opened.prepared.model.layer, params, loader, options,
                                                  flags->output.empty() ? std::cout : rows, device);
      if (!flags->output.empty()) {
        bx::write_file_atomically(flags->output, rows.str());
        fmt::print(stderr, "{} predictions written to {}\n", count, flags->output);
      }
      return 0;
    };
  });
}

}  // namespace blox_app
