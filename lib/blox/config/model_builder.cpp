// prepare_run: config -> static graph -> dummy pass -> locked params. Shape errors on the dummy
// pass are mapped back to the layer spec that made the failing layer.
#include "blox/config/model_builder.h"

#include <filesystem>

#include <ATen/ops/zeros.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"
#include "blox/core/errors.h"
#include "blox/data/text.h"
#include "blox/layers/sequential.h"

namespace bx {
namespace {

// One example shaped like the data (values do not matter), and the class count it implies.
at::Tensor example_input(const DataConfig& d, const std::optional<Vocabulary>& vocabulary, int64_t& classes) {
  if (d.format == DataFormat::text) {
    if (vocabulary) {
      classes = vocabulary->size();
    } else {
      const std::u32string text = read_utf8_file(d.train);
      // Before the dummy pass makes a window of that length.
      if (static_cast<int64_t>(text.size()) <= d.sequence_length) {
        throw DataError(fmt::format("{}: {} characters, too short for data.sequence_length {} (a window and the "
                                    "character after it)", d.train, text.size(), d.sequence_length));
      }
      classes = Vocabulary::from_text(text).size();
    }
  }
  return example_input(d.source(d.train, d.train_labels));
}

}  // namespace

PreparedRun prepare_run(const std::string& path, const std::vector<std::string>& overrides,
                        const std::optional<Vocabulary>& vocabulary) {
  ConfigDocument document = ConfigDocument::load(path, overrides);
  Options root = document.root();
  const std::string dir = std::filesystem::path(path).parent_path().string();
  RunConfig run = read_run_config(root, dir.empty() ? "." : dir);

  Diagnostics& diagnostics = *document.diagnostics();
  int64_t classes = run.data.classes;
  at::Tensor input;
  if (diagnostics.empty()) {
    try {
      input = example_input(run.data, vocabulary, classes);
    } catch (const DataError& e) {
      root.section("data").error("train", e.what());
    }
  }

  Graph graph("model");
  auto rng = std::make_shared<Rng>(graph.child("rng"));
  Options model = root.section("model");
  std::map<std::string, std::shared_ptr<const Layer>> named;
  const auto specs = model.sections("layers");
  if (specs.empty()) model.error("", "missing required key 'layers' (a list of layer specs)");
  std::vector<std::shared_ptr<const Layer>> layers;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto layer = builtin_layers().build(specs[i], graph, i, rng, classes, named);
    if (layer) layers.push_back(layer);
  }
  model.finish();
  root.finish();
  diagnostics.throw_if_any();

  std::shared_ptr<const Layer> net = Sequential::whole_model(graph, layers);
  Params params = rng->seed(Params(), run.seed);
  try {
    std::tie(std::ignore, params) = (*net)(params, input, Mode::train);
  } catch (const ShapeError& e) {
    // The spec that made the failing layer: the deepest one whose path holds it.
    std::string culprit, culprit_path;
    for (const auto& [relative, layer] : named) {
      const std::string& p = layer->path();
      const bool holds = e.layer() == p || e.layer().rfind(p + "/", 0) == 0;
      if (holds && p.size() > culprit_path.size()) {
        culprit = relative;
        culprit_path = p;
      }
    }
    const std::string where = culprit.empty() ? "model.layers" : "model layer '" + culprit + "'";
    diagnostics.error(model.location("layers"), where,
                      fmt::format("impossible shapes on the dummy pass with input {}: {}", format_shape(input.sizes()),
                                  e.what()));
    diagnostics.throw_if_any();
  }
  // A freeze pattern that selects nothing is a typo that would silently train everything.
  Options finetune = root.section("finetune");
  for (const auto& pattern : run.finetune.freeze) {
    try {
      params = params.freeze(pattern);
    } catch (const ParamsError& e) {
      finetune.error("freeze", e.what());
    }
  }
  diagnostics.throw_if_any();
  return {std::move(document), std::move(run), BuiltModel{rng, net, params.locked(), input}};
}

}  // namespace bx
