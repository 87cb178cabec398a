#include "blox/infer/predict.h"

#include <algorithm>
#include <optional>

#include <ATen/ops/softmax.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"
#include "blox/core/shape.h"
#include "blox/data/csv.h"
#include "blox/runtime/device.h"

namespace bx {
namespace {

// One example's prediction: its outputs (class probabilities for a classifier) and its label.
struct Row {
  int64_t index;
  const float* values;
  int64_t count;
  std::optional<double> label;
};

// The name at `index` (a class's in data.class_names, an example's file), or nothing without one.
std::optional<std::string> name_at(const std::vector<std::string>& names, int64_t index) {
  if (index < 0 || static_cast<size_t>(index) >= names.size()) return std::nullopt;
  return names[static_cast<size_t>(index)];
}

// The example's file, when the examples are files.
std::optional<std::string> file_of(const PredictionOptions& options, int64_t index) {
  return name_at(options.files, index);
}

std::string csv_row(const Row& row, const PredictionOptions& options, bool integer_labels) {
  std::string line = fmt::format("{}", row.index);
  if (const auto file = file_of(options, row.index)) line += "," + csv_field(*file);
  if (options.classification) {
    const int64_t best = std::max_element(row.values, row.values + row.count) - row.values;
    line += fmt::format(",{},{:.6g}", best, row.values[best]);
    if (const auto name = name_at(options.class_names, best)) line += "," + csv_field(*name);
  } else {
    for (int64_t j = 0; j < row.count; ++j) line += fmt::format(",{:.8g}", row.values[j]);
  }
  if (row.label) {
    const auto name = name_at(options.class_names, static_cast<int64_t>(*row.label));
    line += "," + (name ? csv_field(*name)
                        : integer_labels ? fmt::format("{}", static_cast<int64_t>(*row.label))
                                         : fmt::format("{:.8g}", *row.label));
  }
  return line;
}

std::string jsonl_row(const Row& row, const PredictionOptions& options, bool integer_labels) {
  const std::vector<float> values(row.values, row.values + row.count);
  nlohmann::json json = {{"index", row.index}};
  if (const auto file = file_of(options, row.index)) json["file"] = *file;
  if (options.classification) {
    const int64_t best = std::max_element(values.begin(), values.end()) - values.begin();
    json["prediction"] = best;
    if (const auto name = name_at(options.class_names, best)) json["class"] = *name;
    json["probability"] = values[static_cast<size_t>(best)];
    json["probabilities"] = values;
  } else {
    json["output"] = values;
  }
  if (row.label) {
    if (const auto name = name_at(options.class_names, static_cast<int64_t>(*row.label))) {
      json["label"] = *name;
    } else if (integer_labels) {
      json["label"] = static_cast<int64_t>(*row.label);
    } else {
      json["label"] = *row.label;
    }
  }
  return json.dump();
}

void write_header(const PredictionOptions& options, int64_t outputs, bool labelled, std::ostream& out) {
  out << "index" << (options.files.empty() ? "" : ",file");
  if (options.classification) {
    out << ",prediction,probability" << (options.class_names.empty() ? "" : ",class");
  } else {
    for (int64_t j = 0; j < outputs; ++j) out << ",output_" << j;
  }
  if (labelled) out << ",label";
  out << "\n";
}

}  // namespace

PredictionFormat parse_prediction_format(const std::string& name, const std::string& where) {
  if (name == "csv") return PredictionFormat::csv;
  if (name == "jsonl") return PredictionFormat::jsonl;
  throw ConfigError(fmt::format("{}: unknown prediction format '{}'; expected csv or jsonl", where, name));
}

int64_t write_predictions(const Layer& model, const Params& params, Loader& loader, const PredictionOptions& options,
                          std::ostream& out, c10::Device device) {
  c10::NoGradGuard no_grad;
  const bool csv = options.format == PredictionFormat::csv;
  int64_t index = 0;
  loader.seek({0, 0});
  while (auto batch = loader.next()) {
    at::Tensor output = model(params, batch_to_device(batch->inputs, device), Mode::eval).first.to(at::kFloat).cpu();
    if (options.classification && output.dim() != 2) {
      throw ShapeError(fmt::format("predict: a classifier's output must be (B, classes), got shape {}; the loss "
                                   "is cross_entropy but the model's output is not one row of logits per example",
                                   format_shape(output.sizes())));
    }
    output = output.reshape({output.size(0), -1});
    const at::Tensor values = (options.classification ? at::softmax(output, 1) : output).contiguous();
    const bool integer_labels = !batch->targets.is_floating_point();
    const at::Tensor labels = batch->targets.cpu().to(at::kDouble).reshape({-1}).contiguous();
    const bool labelled = options.with_targets && labels.numel() == output.size(0);
    if (index == 0 && csv) write_header(options, output.size(1), labelled, out);
    for (int64_t i = 0; i < output.size(0); ++i, ++index) {
      const Row row{index, values.data_ptr<float>() + i * values.size(1), values.size(1),
                    labelled ? std::optional<double>(labels.data_ptr<double>()[i]) : std::nullopt};
      out << (csv ? csv_row(row, options, integer_labels) : jsonl_row(row, options, integer_labels))
          << "\n";
    }
  }
  return index;
}

}  // namespace bx
