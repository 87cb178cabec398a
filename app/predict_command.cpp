// blox predict CONFIG --checkpoint FILE (or CHECKPOINT alone): one prediction per example of a
// split or a data file, as CSV or JSON Lines; or the raw outputs with their inputs as safetensors.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "blox/infer/prediction_run.h"
#include "blox/io/output_path.h"
#include "commands.h"

namespace blox_app {

void add_predict_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string target;
    std::string checkpoint;
    bx::PredictionRequest request;
    std::vector<std::string> overrides;
    std::string device;
    int threads = 0;
    bool no_ema = false;
  };
  auto flags = std::make_shared<Flags>();
  bx::PredictionRequest& request = flags->request;
  CLI::App* cmd = app.add_subcommand("predict", "write a checkpoint's predictions for a split or a data file (CSV/JSONL)");
  add_model_options(*cmd, flags->target, flags->checkpoint);
  auto* split = cmd->add_option("--data", request.split, "a split of the config's data: test, validation or train (default: test; validation when the "
                                "config has no test data)");
  cmd->add_option("--input", request.input, "a data file in the config's format (IDX images; CSV with the config's columns, the label column optional; for image "
                  "data an image file, a folder of images, or a folder of class folders or a manifest (labelled))")
      ->excludes(split);
  cmd->add_option("-o,--output", request.output, "the file to write (default: standard output); replaced atomically")
      ->check(non_empty_path());
  cmd->add_option("--format", request.format,
                  "csv, jsonl, or safetensors: tensors inputs (after the evaluation transforms), outputs (raw, "
                  "float32), targets, raw_inputs (before the transforms, when there are any); default: from the "
                  "output's extension, else csv")
      ->check(CLI::IsMember({"csv", "jsonl", "safetensors"}));
  cmd->add_option("--limit", request.limit, "with --format safetensors: only the first N examples (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  add_device_option(*cmd, flags->device);
  add_threads_option(*cmd, flags->threads);
  add_no_ema_flag(*cmd, flags->no_ema);
  cmd->callback([flags, &run] {
    run = [flags] {
      const bx::PredictionRequest& request = flags->request;
      bx::prediction_format(request);  // its errors before the model is loaded
      bx::require_replaceable_output(request.output, {flags->target, flags->checkpoint, request.input}, "predict");
      const bx::TrainedModel model = bx::load_trained_model(
          flags->target, flags->checkpoint, with_threads(with_device(flags->overrides, flags->device), flags->threads), "predict", !flags->no_ema);
      const std::string said = bx::predict(model, request, std::cout);
      if (!said.empty()) fmt::print(stderr, "{}\n", said);
      return 0;
    };
  });
}

}  // namespace blox_app
