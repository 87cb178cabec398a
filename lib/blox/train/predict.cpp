#include "blox/train/predict.h"

#include <ATen/ops/softmax.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"
#include "blox/core/shape.h"
#include "blox/train/device.h"

namespace bx {
namespace {

std::vector<float> row_values(const at::Tensor& row) {
  const at::Tensor flat = row.contiguous().view({-1});
  return {flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel()};
}

void write_header(const PredictionOptions& options, int64_t outputs, std::ostream& out) {
  out << "index";
  if (options.classification) {
    out << ",prediction,probability";
  } else {
    for (int64_t j = 0; j < outputs; ++j) out << ",output_" << j;
  }
  if (options.with_targets) out << ",label";
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
    const at::Tensor probabilities = options.classification ? at::softmax(output, 1) : output;
    const at::Tensor targets = batch->targets.cpu();
    if (index == 0 && csv) write_header(options, output.size(1), out);
    for (int64_t i = 0; i < output.size(0); ++i, ++index) {
      const std::vector<float> values = row_values(probabilities[i]);
      nlohmann::json row = {{"index", index}};
      std::string line = fmt::format("{}", index);
      if (options.classification) {
        const auto best = std::max_element(values.begin(), values.end()) - values.begin();
        line += fmt::format(",{},{:.6g}", best, values[best]);
        row["prediction"] = best;
        row["probability"] = values[best];
        row["probabilities"] = values;
      } else {
        for (float v : values) line += fmt::format(",{:.8g}", v);
        row["output"] = values;
      }
      if (options.with_targets) {
        const at::Tensor t = targets[i];
        if (t.is_floating_point()) {
          line += fmt::format(",{:.8g}", t.item<double>());
          row["label"] = t.item<double>();
        } else {
          line += fmt::format(",{}", t.item<int64_t>());
          row["label"] = t.item<int64_t>();
        }
      }
      out << (csv ? line : row.dump()) << "\n";
    }
  }
  return index;
}

}  // namespace bx
