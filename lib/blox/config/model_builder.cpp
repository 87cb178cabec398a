// prepare_run: config -> static graph -> dummy pass -> locked params. Shape errors on the dummy
// pass are mapped back to the layer spec that made the failing layer.
#include "blox/config/model_builder.h"

#include <filesystem>

#include <ATen/ops/zeros.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"
#include "blox/core/errors.h"
#include "blox/data/csv.h"
#include "blox/data/idx.h"
#include "blox/data/text.h"
#include "blox/layers/sequential.h"

namespace bx {
namespace {

// One example shaped like the data (values do not matter), and the class count it implies.
at::Tensor example_input(const DataConfig& d, const std::optional<Vocabulary>& vocabulary, int64_t& classes) {
  if (d.format == "idx") {
    const auto dims = read_idx_dims(d.train);
    if (dims.size() != 3) throw DataError(fmt::format("{}: expected images (N, H, W) in the IDX header", d.train));
    return at::zeros({1, 1, dims[1], dims[2]});
  }
  if (d.format == "csv") {
    const TensorDataset data = read_csv(d.train, d.csv);
    return at::zeros({1, data.inputs.size(1)});
  }
  classes = vocabulary ? vocabulary->size() : Vocabulary::from_text(read_utf8_file(d.train)).size();
  return at::zeros({1, d.sequence_length}, at::kLong);
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
    // Point at the deepest layer the message names.
    std::string culprit;
    for (const auto& [relative, layer] : named) {
      if (std::string(e.what()).find("'" + layer->path() + "'") != std::string::npos &&
          layer->path().size() > culprit.size()) {
        culprit = relative;
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
