#include "blox/infer/predict.h"

#include <algorithm>
#include <optional>

#include <ATen/ops/softmax.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"
#include "blox/core/shape.h"
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

std::string label_text(double label, bool integer_labels) {
  return integer_labels ? fmt::format("{}", static_cast<int64_t>(label)) : fmt::format("{:.8g}", label);
}

std::string csv_row(const Row& row, bool classification, bool integer_labels) {
  std::string line = fmt::format("{}", row.index);
  if (classification) {
    const int64_t best = std::max_element(row.values, row.values + row.count) - row.values;
    line += fmt::format(",{},{:.6g}", best, row.values[best]);
  } else {
    for (int64_t j = 0; j < row.count; ++j) line += fmt::format(",{:.8g}", row.values[j]);
  }
  if (row.label) line += "," + label_text(*row.label, integer_labels);
  return line;
}

std::string jsonl_row(const Row& row, bool classification, bool integer_labels) {
  const std::vector<float> values(row.values, row.values + row.count);
  nlohmann::json json = {{"index", row.index}};
  if (classification) {
    const int64_t best = std::max_element(values.begin(), values.end()) - values.begin();
    json["prediction"] = best;
    json["probability"] = values[static_cast<size_t>(best)];
    json["probabilities"] = values;
  } else {
    json["output"] = values;
  }
  if (row.label) {
    if (integer_labels) {
      json["label"] = static_cast<int64_t>(*row.label);
    } else {
      json["label"] = *row.label;
    }
  }
  return json.dump();
}

void write_header(bool classification, int64_t outputs, bool labelled, std::ostream& out) {
  out << "index";
  if (classification) {
    out << ",prediction,probability";
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
    if (index == 0 && csv) write_header(options.classification, output.size(1), labelled, out);
    for (int64_t i = 0; i < output.size(0); ++i, ++index) {
      const Row row{index, values.data_ptr<float>() + i * values.size(1), values.size(1),
                    labelled ? std::optional<double>(labels.data_ptr<double>()[i]) : std::nullopt};
      out << (csv ? csv_row(row, options.classification, integer_labels)
                  : jsonl_row(row, options.classification, integer_labels))
          << "\n";
    }
  }
  return index;
}

}  // namespace bx
