// The model-level part of the export: inputs, preprocessing, outputs, metadata, the file.
#include "blox/export/onnx_export.h"

#include <limits>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include "blox/core/errors.h"
#include "blox/core/shape.h"
#include "blox/core/utf8.h"
#include "blox/data/text.h"
#include "blox/data/image_transforms.h"
#include "blox/data/transforms.h"
#include "blox/export/onnx_layers.h"
#include "blox/io/atomic_file.h"
#include "blox/optim/loss.h"

namespace bx {
namespace {

// The graph's input and output names say what they hold.
std::string input_name(DataFormat format) {
  switch (format) {
    case DataFormat::idx:
    case DataFormat::image_folder:
    case DataFormat::image_list: return "images";
    case DataFormat::csv: return "features";
    case DataFormat::text: return "tokens";
  }
  return "input";
}

// `sample`'s dtype and shape, with the batch axis "batch" (dynamic) or `batch`.
void describe_value(onnx::ValueInfoProto& info, const std::string& name, const at::Tensor& sample,
                    const OnnxExportOptions& options) {
  info.set_name(name);
  onnx::TypeProto_Tensor& tensor = *info.mutable_type()->mutable_tensor_type();
  tensor.set_elem_type(sample.is_floating_point() ? onnx::TensorProto::FLOAT : onnx::TensorProto::INT64);
  for (int64_t d = 0; d < sample.dim(); ++d) {
    onnx::TensorShapeProto_Dimension& dim = *tensor.mutable_shape()->add_dim();
    if (d == 0 && options.dynamic_batch) {
      dim.set_dim_param("batch");
    } else if (d == 0) {
      dim.set_dim_value(options.batch_size);
    } else {
      dim.set_dim_value(sample.size(d));
    }
  }
}

std::string shape_text(const at::Tensor& sample, const OnnxExportOptions& options) {
  std::string text = options.dynamic_batch ? "(batch" : fmt::format("({}", options.batch_size);
  for (int64_t d = 1; d < sample.dim(); ++d) text += fmt::format(", {}", sample.size(d));
  return text + ")";
}

// (x - mean) / std as the Normalize transform computes it, per channel or for all.
std::string emit_normalize(OnnxGraph& g, const Normalize& normalize, const std::string& x, int64_t rank) {
  Shape shape;
  if (normalize.mean().size() > 1) {
    shape.assign(static_cast<size_t>(rank - 1), 1);
    shape[0] = static_cast<int64_t>(normalize.mean().size());
  }
  auto values = [&](const std::vector<double>& v) { return at::tensor(v, at::kDouble).to(at::kFloat).view(shape); };
  const std::string centred = g.node("Sub", {x, g.constant("preprocessing/mean", values(normalize.mean()))},
                                     "preprocessing/Sub");
  return g.node("Div", {centred, g.constant("preprocessing/std", values(normalize.std()))}, "preprocessing/Div");
}

void add_metadata(onnx::ModelProto& model, const std::string& key, const std::string& value) {
  onnx::StringStringEntryProto& entry = *model.add_metadata_props();
  entry.set_key(key);
  entry.set_value(value);
}

}  // namespace

OnnxExportSummary export_onnx(const PreparedRun& run, const Params& params, const OnnxExportOptions& options,
                              const std::string& path) {
  if (options.opset < kMinOnnxOpset || options.opset > kMaxOnnxOpset) {
    throw ConfigError(fmt::format("export --opset: expected {} to {}, got {}", kMinOnnxOpset, kMaxOnnxOpset, options.opset));
  }
  // Runtimes size batch axes with 32-bit integers in places; no real batch comes near it.
  constexpr int64_t kMaxBatch = (int64_t{1} << 31) - 1;
  if (options.batch_size < 1 || options.batch_size > kMaxBatch) {
    throw ConfigError(fmt::format("export --batch-size: expected an integer in [1, {}], got {}", kMaxBatch,
                                  options.batch_size));
  }
  c10::NoGradGuard no_grad;
  const DataConfig& data = run.run.data;
  const at::Tensor example = run.model.example_input.cpu();
  // The emitters only read shapes past the batch axis (every reshape keeps axis 0 as it is), so
  // two examples stand for any batch size, however large the declared one.
  const at::Tensor sample = at::cat({example, example});
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("blox");
  model.set_producer_version(BLOX_VERSION);
  model.add_opset_import()->set_version(options.opset);
  onnx::GraphProto& graph_proto = *model.mutable_graph();
  graph_proto.set_name("blox_model");
  OnnxGraph graph(graph_proto, options.opset);

  const std::string input = input_name(data.format);
  graph.fresh(input);
  describe_value(*graph_proto.add_input(), input, sample, options);
  OnnxValue x{input, sample};
  std::string preprocessing;
  for (const auto& transform : evaluation_transforms(data.transforms)) {
    if (dynamic_cast<const ImageGeometry*>(transform.get())) {  // done on the files, before the model's input
      preprocessing += fmt::format("{}images resized and cropped to {}x{} (data.transforms)", preprocessing.empty() ? "" : ", then ",
                                   sample.size(-1), sample.size(-2));
      continue;
    }
    const auto* normalize = dynamic_cast<const Normalize*>(transform.get());
    if (!normalize) throw ConfigError("export: an evaluation transform other than normalize has no ONNX form");
    if (options.include_preprocessing) {
      x.name = emit_normalize(graph, *normalize, x.name, sample.dim());
    } else {
      preprocessing += fmt::format("{}normalize: (x - {}) / {} per channel", preprocessing.empty() ? "" : ", then ",
                                   nlohmann::json(normalize->mean()).dump(), nlohmann::json(normalize->std()).dump());
    }
  }
  LayerExporter exporter(graph, params);
  const OnnxValue y = exporter.emit(*run.model.layer, x);
  const std::string output = loss_task(run.run.loss.type) == LossTask::regression ? "outputs" : "logits";
  graph.node("Identity", {y.name}, output);
  describe_value(*graph_proto.add_output(), output, y.sample, options);

  add_metadata(model, "blox.step", std::to_string(options.step));
  add_metadata(model, "blox.config", options.config);
  if (!preprocessing.empty()) {
    add_metadata(model, "blox.preprocessing",
                 preprocessing + ", before this model (export with --include-preprocessing to fold it in)");
  }
  if (data.classes > 0 && data.format != DataFormat::text) add_metadata(model, "blox.classes", std::to_string(data.classes));
  if (!data.class_names.empty()) add_metadata(model, "blox.class_names", nlohmann::json(data.class_names).dump());
  if (const auto vocabulary = Vocabulary::find(params)) {
    // The characters of the token ids, in id order (JSON strings).
    nlohmann::json chars = nlohmann::json::array();
    const at::Tensor ids = at::arange(vocabulary->size(), at::kLong);
    for (char32_t c : vocabulary->decode(ids)) chars.push_back(to_utf8(std::u32string(1, c)));
    add_metadata(model, "blox.vocabulary", chars.dump());
  }

  int64_t bytes = 0;
  for (const auto& t : graph_proto.initializer()) bytes += static_cast<int64_t>(t.raw_data().size());
  if (bytes > std::numeric_limits<int32_t>::max()) {
    throw ConfigError(fmt::format("export: the params take {:.2f} GB; one ONNX file holds at most 2 GB (protobuf's "
                                  "limit; external data files are not written by this version)",
                                  static_cast<double>(bytes) / 1e9));
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(fmt::format("export: ONNX's checker refused the exported model (a blox bug, please report): {}", e.what()));
  }
  std::string encoded;
  if (!model.SerializeToString(&encoded)) throw Error("export: the ONNX model could not be serialized");
  write_file_atomically(path, encoded);
  return {input,
          output,
          shape_text(sample, options),
          shape_text(y.sample, options),
          graph_proto.node_size(),
          graph_proto.initializer_size(),
          static_cast<int64_t>(encoded.size())};
}

}  // namespace bx
