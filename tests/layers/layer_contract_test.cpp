// The contract of a layer type: besides its file in layers/ and its registration, every type has
// a FLOP formula (inspect/model_summary), an ONNX emitter (export/; or a documented refusal) and
// a class for text generation (infer/generate). Each registered type is exercised through all
// three on the every-layer models of tests/interop/; a layer kind that lacks one is caught, as
// the second case shows with a kind made here.
#include <regex>
#include <set>

#include <doctest/doctest.h>

#include "blox/config/model_builder.h"
#include "blox/core/errors.h"
#include "blox/export/onnx_export.h"
#include "blox/infer/generate.h"
#include "blox/inspect/model_summary.h"
#include "blox/layers/builtin_layers.h"
#include "blox/layers/residual.h"
#include "blox/layers/sequential.h"
#include "blox/schema/layer_registry.h"
#include "support/files.h"
#include "support/temp_dir.h"

using namespace bx;

namespace {

const std::vector<std::string> kSamples{"tests/interop/every_image_layer.yaml", "tests/interop/every_sequence_layer.yaml"};

// The layers of `layer`'s tree a generation class is asked of: containers and what they hold.
void walk(const Layer& layer, std::vector<const Layer*>& out) {
  out.push_back(&layer);
  if (const auto* sequential = dynamic_cast<const Sequential*>(&layer)) {
    for (size_t i = 0; i < sequential->size(); ++i) walk(sequential->layer(i), out);
  } else if (const auto* residual = dynamic_cast<const Residual*>(&layer)) {
    for (const auto& part : residual->branch()) walk(*part, out);
    if (residual->shortcut()) walk(*residual->shortcut(), out);
    if (residual->after()) walk(*residual->after(), out);
  }
}

// A kind blox knows nothing about: the identity.
class Mystery final : public Layer {
 public:
  explicit Mystery(Graph graph) : Layer(std::move(graph), "Mystery") {}

 protected:
  Output forward(Params params, const at::Tensor& x, Mode) const override { return {x, std::move(params)}; }
};

}  // namespace

TEST_CASE("layer contract: every registered layer type has a sample, a FLOP formula, an ONNX form and a generation class") {
  std::set<std::string> sampled;
  const std::regex type(R"(type:\s*([a-z0-9_]+))");
  for (const auto& sample : kSamples) {
    const std::string text = test::read_text(test::source_path(sample));
    for (std::sregex_iterator it(text.begin(), text.end(), type), end; it != end; ++it) sampled.insert((*it)[1]);
  }
  for (const auto& entry : builtin_layers().docs()) {
    const std::string& name = entry.first;  // a plain name: clang 14 cannot CAPTURE a structured binding
    CAPTURE(name);
    CHECK_MESSAGE(sampled.count(name) == 1, "no sample of this layer type in tests/interop/every_*_layer.yaml: add "
                                            "one, so the contract below covers it");
  }
  test::TempDir dir("layer_contract");
  for (const auto& sample : kSamples) {
    CAPTURE(sample);
    const PreparedRun prepared = prepare_run(test::source_path(sample));
    const ModelSummary summary = summarize_model(prepared.model);  // throws for a kind without a formula
    CHECK(summary.total_flops > 0);
    const OnnxExportSummary exported =
        export_onnx(prepared, prepared.model.params, {}, (dir.path / "model.onnx").string());  // throws for no ONNX form
    CHECK(exported.nodes > 0);
    std::vector<const Layer*> layers;
    walk(*prepared.model.layer, layers);
    for (const Layer* layer : layers) {
      CAPTURE(layer->path());
      CHECK(generation_class(*layer).has_value());
    }
  }
}

TEST_CASE("layer contract: a kind without a FLOP formula, an ONNX form or a generation class fails each check") {
  PreparedRun prepared = prepare_run(test::source_path(kSamples[0]));
  Graph root("model");
  prepared.model.layer = Sequential::whole_model(root, {std::make_shared<const Mystery>(root.child("mystery"))});
  CHECK_THROWS_WITH_AS(summarize_model(prepared.model), doctest::Contains("(Mystery) has no FLOP formula"), ConfigError);
  test::TempDir dir("layer_contract");
  CHECK_THROWS_WITH_AS(export_onnx(prepared, prepared.model.params, {}, (dir.path / "model.onnx").string()),
                       doctest::Contains("(Mystery) has no ONNX form"), ConfigError);
  CHECK_FALSE(generation_class(*prepared.model.layer).value() == GenerationClass::per_position);
  CHECK_FALSE(generation_class(dynamic_cast<const Sequential&>(*prepared.model.layer).layer(0)).has_value());
}
