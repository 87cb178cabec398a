// ONNX export, read back through ONNX's protobuf classes: names, shapes, initializers equal to
// the params, metadata, the folded normalization, and refusals. (ONNX Runtime's outputs against
// blox's are the interop/onnx_export check.)
#include <filesystem>
#include <fstream>
#include <sstream>

#include <onnx/onnx_pb.h>

#include "blox/export/onnx_export.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
namespace fs = std::filesystem;

namespace {

onnx::ModelProto read_model(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  onnx::ModelProto model;
  REQUIRE(model.ParseFromString(bytes.str()));
  return model;
}

std::map<std::string, std::string> metadata(const onnx::ModelProto& model) {
  std::map<std::string, std::string> out;
  for (const auto& entry : model.metadata_props()) out[entry.key()] = entry.value();
  return out;
}

at::Tensor initializer_value(const onnx::TensorProto& t) {
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
  REQUIRE(t.data_type() == onnx::TensorProto::FLOAT);
  return at::from_blob(const_cast<char*>(t.raw_data().data()), dims, at::kFloat).clone();
}

// The subset MLP of the training tests, built (params from its dummy pass).
PreparedRun prepared_mlp(const test::RunDir& dir) {
  test::write(dir.path / "mlp.yaml", test::mlp_config(1, 0));
  return prepare_run((dir.path / "mlp.yaml").string());
}

}  // namespace

TEST_CASE("export: the MLP's graph names its input, output and params; initializers equal the params") {
  test::RunDir dir;
  const PreparedRun run = prepared_mlp(dir);
  OnnxExportOptions options;
  options.dynamic_batch = true;
  options.step = 7;
  const fs::path file = dir.path / "mlp.onnx";
  const OnnxExportSummary summary = export_onnx(run, run.model.params, options, file.string());
  CHECK(summary.input_shape == "(batch, 1, 28, 28)");
  CHECK(summary.output_shape == "(batch, 10)");

  const onnx::ModelProto model = read_model(file);
  CHECK(model.opset_import(0).version() == kMaxOnnxOpset);
  REQUIRE(model.graph().input_size() == 1);
  CHECK(model.graph().input(0).name() == "images");
  CHECK(model.graph().input(0).type().tensor_type().shape().dim(0).dim_param() == "batch");
  CHECK(model.graph().input(0).type().tensor_type().shape().dim(3).dim_value() == 28);
  CHECK(model.graph().output(0).name() == "logits");
  int compared = 0;
  for (const auto& t : model.graph().initializer()) {
    if (!run.model.params.contains(t.name())) continue;
    CHECK(at::equal(initializer_value(t), run.model.params.at(t.name()).value));
    ++compared;
  }
  CHECK(compared == 4);  // hidden and logits: kernel and bias
  const auto meta = metadata(model);
  CHECK(meta.at("blox.step") == "7");
  CHECK(meta.at("blox.classes") == "10");
  CHECK(meta.at("blox.preprocessing").find("0.286") != std::string::npos);
  // Without the normalization folded in, the graph starts at the model's first layer.
  CHECK(model.graph().node(0).op_type() == "Reshape");
}

TEST_CASE("export: --include-preprocessing puts the normalization first; a fixed batch size is written as such") {
  test::RunDir dir;
  const PreparedRun run = prepared_mlp(dir);
  OnnxExportOptions options;
  options.include_preprocessing = true;
  options.batch_size = 3;
  export_onnx(run, run.model.params, options, (dir.path / "mlp.onnx").string());
  const onnx::ModelProto model = read_model(dir.path / "mlp.onnx");
  CHECK(model.graph().node(0).op_type() == "Sub");
  CHECK(model.graph().node(1).op_type() == "Div");
  CHECK(model.graph().input(0).type().tensor_type().shape().dim(0).dim_value() == 3);
  CHECK(metadata(model).count("blox.preprocessing") == 0);
}

TEST_CASE("export: an opset outside 13..17 or a batch size below 1 is refused, and no file is written") {
  test::RunDir dir;
  const PreparedRun run = prepared_mlp(dir);
  const fs::path file = dir.path / "mlp.onnx";
  OnnxExportOptions options;
  options.opset = 12;
  CHECK_THROWS_WITH_AS(export_onnx(run, run.model.params, options, file.string()),
                       doctest::Contains("--opset: expected 13 to 17, got 12"), ConfigError);
  options.opset = 17;
  options.batch_size = 0;
  CHECK_THROWS_AS(export_onnx(run, run.model.params, options, file.string()), ConfigError);
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("blox export: a checkpoint to FILE.onnx beside it by default, with a one-line summary") {
  test::RunDir dir;
  test::train_mlp(dir.path, 1);
  const auto result = test::blox(dir.path, "export run/last.safetensors --dynamic-batch");
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("images (batch, 1, 28, 28) -> logits (batch, 10); opset 17") != std::string::npos);
  CHECK(fs::exists(dir.path / "run/last.onnx"));
  const auto bad = test::blox(dir.path, "export run/last.safetensors --opset 99");
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--opset: expected 13 to 17, got 99") != std::string::npos);
}

TEST_CASE("blox export and predict never write over the checkpoint they read, nor over any blox checkpoint") {
  test::RunDir dir;
  test::train_mlp(dir.path, 1);
  const auto same = test::blox(dir.path, "export run/last.safetensors -o run/last.safetensors");
  CHECK(same.exit_code == 2);
  CHECK(same.output.find("that is the file being read") != std::string::npos);
  const auto other = test::blox(dir.path, "predict run/last.safetensors --format safetensors -o run/best.safetensors");
  CHECK(other.exit_code == 2);
  CHECK(other.output.find("write elsewhere") != std::string::npos);  // best may be the very file read
  CHECK(test::blox(dir.path, "eval run/last.safetensors").exit_code == 0);  // both still load
  CHECK(test::blox(dir.path, "eval run/best.safetensors").exit_code == 0);
  const auto limit = test::blox(dir.path, "predict run/last.safetensors --limit 3");
  CHECK(limit.exit_code == 2);
  CHECK(limit.output.find("--limit: applies to --format safetensors only") != std::string::npos);
}

TEST_CASE("export: a model trained on string class labels carries their names, in index order") {
  test::RunDir dir;
  test::write(dir.path / "pets.csv", "w,kind\n1,dog\n2,cat\n3,bird\n4,cat\n");
  test::write(dir.path / "pets.yaml",
              "data: {format: csv, train: pets.csv, label: kind, classes: 3}\n"
              "model: {layers: [{type: linear, output_size: classes}]}\n");
  const PreparedRun run = prepare_run((dir.path / "pets.yaml").string());
  CHECK(run.run.data.class_names == std::vector<std::string>{"bird", "cat", "dog"});
  export_onnx(run, run.model.params, OnnxExportOptions{}, (dir.path / "pets.onnx").string());
  const auto meta = metadata(read_model(dir.path / "pets.onnx"));
  CHECK(meta.at("blox.classes") == "3");
  CHECK(meta.at("blox.class_names") == R"(["bird","cat","dog"])");
}
