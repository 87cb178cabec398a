#include "blox/infer/prediction_run.h"

#include <filesystem>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/data/csv.h"
#include "blox/data/open_dataset.h"
#include "blox/infer/evaluate.h"
#include "blox/infer/predict.h"
#include "blox/infer/prediction_tensors.h"
#include "blox/io/atomic_file.h"
#include "blox/metrics/catalogue.h"
#include "blox/runtime/device.h"
#include "blox/train/run_data.h"

namespace bx {

PredictionInput read_prediction_input(const DataConfig& config, const std::string& path) {
  if (config.format == DataFormat::text) {
    throw ConfigError("predict --input: data format 'text' is not supported (idx, csv and images are); "
                      "hint: use blox eval for language models");
  }
  if (is_image_format(config.format)) {
    // An image, a folder of images, or labelled: a folder of class folders or a manifest.
    auto [files, labelled] = list_images_to_predict(path, config.class_names);
    return {image_dataset(std::move(files), config.source(path, "").images, path), labelled};
  }
  if (config.format == DataFormat::csv) {
    // Matched to the training file's columns by name (by position without a header); rows with
    // the label column are scored as well.
    const CsvPredictionRows rows = read_csv_for_prediction(path, config.train, config.csv, !config.train_labels.empty());
    return {rows.data, rows.labelled};
  }
  return {open_dataset(config.source(path, "")), false};  // IDX images alone carry no labels
}

std::string prediction_format(const PredictionRequest& request) {
  std::string format = request.format;
  const std::filesystem::path extension = std::filesystem::path(request.output).extension();
  if (format.empty()) format = extension == ".jsonl" ? "jsonl" : extension == ".safetensors" ? "safetensors" : "csv";
  if (format == "safetensors" && request.output.empty()) {
    throw ConfigError("predict --format safetensors: needs -o FILE (binary output is not written to a terminal)");
  }
  if (request.limit > 0 && format != "safetensors") throw ConfigError("predict --limit: applies to --format safetensors only");
  return format;
}

std::string predict(const TrainedModel& model, const PredictionRequest& request, std::ostream& out) {
  const std::string format = prediction_format(request);
  const RunConfig& run = model.prepared.run;
  std::string note;  // as eval: the validation split of a config without test data (a split only)
  const std::string split =
      request.split.empty() && request.input.empty() ? default_split(run.data, &note) : request.split;
  const PredictionInput input =
      request.input.empty()
          ? PredictionInput{load_split(run.data, run.seed, split, Vocabulary::find(model.checkpoint.params)), true}
          : read_prediction_input(run.data, request.input);
  const std::string said = note.empty() ? "" : note + "\n";
  Loader loader(input.data, evaluation_loader_settings(run.data), evaluation_transforms(run.data));
  const c10::Device device = resolve_device(run.device);
  const Params params = params_to_device(model.checkpoint.params, device);
  const Layer& layer = *model.prepared.model.layer;
  if (format == "safetensors") {
    std::optional<Loader> raw;
    if (!evaluation_transforms(run.data).empty()) raw.emplace(input.data, evaluation_loader_settings(run.data));
    const TensorFile tensors =
        prediction_tensors(layer, params, loader, request.limit, input.labelled, device, raw ? &*raw : nullptr);
    write_file_atomically(request.output, [&](const WriteBytes& write) { write_safetensors(tensors, write); });
    return said + fmt::format("{} examples' inputs and outputs written to {}", tensors.tensors[0].second.size(0),
                              request.output);
  }
  const PredictionOptions options{parse_prediction_format(format, "--format"),
                                  loss_task(run.loss.type) == LossTask::classification, input.labelled,
                                  run.data.class_names, input.data.stream ? input.data.stream->names()
                                                                          : std::vector<std::string>{}};
  if (request.output.empty()) {
    write_predictions(layer, params, loader, options, out, device);
    return note;
  }
  std::ostringstream rows;
  const int64_t count = write_predictions(layer, params, loader, options, rows, device);
  write_file_atomically(request.output, rows.str());
  return said + fmt::format("{} predictions written to {}", count, request.output);
}

}  // namespace bx
