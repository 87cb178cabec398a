// prepare_run: config -> static graph -> dummy pass -> locked params. Shape errors on the dummy
// pass are mapped back to the layer spec that made the failing layer.
#include "blox/config/model_builder.h"

#include <algorithm>
#include <filesystem>

#include <ATen/ops/cat.h>
#include <ATen/ops/zeros.h>
#include <fmt/format.h>

#include "blox/config/fitted_data.h"
#include "blox/layers/batch_norm.h"
#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"
#include "blox/core/errors.h"
#include "blox/core/glob.h"
#include "blox/core/suggest.h"
#include "blox/data/text.h"
#include "blox/layers/sequential.h"
#include "blox/optim/loss.h"

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
  if (is_image_format(d.format)) {
    classes = d.classes;  // the class names' count, or the config's for a manifest of indices
    return example_input(d.source(d.train, d.train_labels), evaluation_transforms(d.transforms));
  }
  return example_input(d.source(d.train, d.train_labels));
}

// What is wrong when the dummy pass's `output` (1, ..., K) cannot meet the loss's targets: K must
// be the class count of a classifier, and the target count of a regression or multi-label loss
// (read from a CSV training file; other formats hold class labels). Found here, it is a config
// error at the last layer instead of a libtorch failure at the first step.
struct Misfit {
  std::string what, hint;
};
std::optional<Misfit> output_misfit(const RunConfig& run, int64_t classes, const at::Tensor& output) {
  const LossTask task = loss_task(run.loss.type);
  if (output.dim() < 2) return std::nullopt;  // no class or target axis to compare
  const int64_t width = output.size(-1);
  if (task == LossTask::classification) {
    if (classes <= 0 || width == classes) return std::nullopt;
    return Misfit{fmt::format("outputs {} values per example, but the {} loss needs one per class: {} ({})", width,
                              run.loss.type, classes,
                              run.data.format == DataFormat::text ? "the training text's vocabulary" : "data.classes"),
                  "output_size: classes"};
  }
  if (run.data.format != DataFormat::csv) return std::nullopt;
  const at::Tensor target = open_dataset(run.data.source(run.data.train, run.data.train_labels)).targets.narrow(0, 0, 1);
  if (laid_out_alike(output, target)) return std::nullopt;
  const int64_t targets = target.dim() >= 2 ? target.size(-1) : 1;
  return Misfit{fmt::format("outputs {} values per example, but the {} loss needs one per {}: {} (the targets of {})",
                            width, run.loss.type, task == LossTask::multi_label ? "label" : "target", targets,
                            run.data.train),
                fmt::format("output_size: {}", targets)};
}

// `params` with the running statistics of each batch-norm layer that a freeze pattern selects
// marked fixed (finetune.freeze_batch_stats); an error at freeze_batch_stats when none is.
Params with_fixed_statistics(Params params, const std::vector<std::string>& patterns, Options& finetune) {
  size_t fixed = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string path = params.key(i);
    const Param& p = params.param(i);
    const auto tag = p.meta.find("tag");
    const bool statistic = tag != p.meta.end() && tag->second == kBatchNormStatistic;
    const bool frozen = std::any_of(patterns.begin(), patterns.end(), [&](const auto& g) { return glob_selects(g, path); });
    if (!statistic || !frozen) continue;
    Param marked = p;
    marked.meta[kFixedStatistics] = "true";
    params = params.with(path, std::move(marked));
    ++fixed;
  }
  if (fixed == 0) {
    finetune.error("freeze_batch_stats", "no freeze glob selects a batch-norm layer's running statistics; hint: "
                                         "freeze the layer (its node, e.g. model/bn1, or one above it)");
  }
  return params;
}

// The name of `layer` among the model's named layers.
std::string name_of(const std::shared_ptr<const Layer>& layer,
                    const std::map<std::string, std::shared_ptr<const Layer>>& named) {
  for (const auto& [name, candidate] : named) {
    if (candidate == layer) return name;
  }
  return layer->path();
}

}  // namespace

PreparedRun prepare_run(const std::string& path, const std::vector<std::string>& overrides,
                        const std::optional<Vocabulary>& vocabulary, const std::string& stored_config) {
  std::vector<std::string> all = stored_config.empty() ? std::vector<std::string>()
                                                       : fitted_data_overrides(stored_config, path, overrides);
  all.insert(all.end(), overrides.begin(), overrides.end());  // the command line's win
  return prepare_document(ConfigDocument::load(path, all), vocabulary);
}

PreparedRun prepare_stored_run(const std::string& config_text, const std::string& path,
                               const std::vector<std::string>& overrides, const std::optional<Vocabulary>& vocabulary) {
  return prepare_document(ConfigDocument::parse(config_text, path, overrides), vocabulary);
}

PreparedRun prepare_document(ConfigDocument document, const std::optional<Vocabulary>& vocabulary) {
  const std::string path = document.path();
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
  at::Tensor output;
  ActivationTally activations;
  // The example twice: a batch norm in training needs more than one value per channel, and a
  // ResNet at 32 x 32 is down to 1 x 1 in its last stage.
  const at::Tensor dummy = at::cat({input, input});
  try {
    std::tie(output, params) = (*net)(params, dummy, Mode::train);
    output = output.narrow(0, 0, 1);
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
                      fmt::format("impossible shapes on the dummy pass with input {} (the example twice): {}",
                                  format_shape(dummy.sizes()),
                                  e.what()));
    diagnostics.throw_if_any();
  }
  try {
    if (const auto misfit = output_misfit(run, classes, output)) {
      const Options& last = specs.back();
      diagnostics.error(last.location(), last.path(),
                        fmt::format("the last layer '{}' {}", name_of(layers.back(), named), misfit->what), misfit->hint);
    }
  } catch (const DataError& e) {
    root.section("data").error("train", e.what());
  }
  diagnostics.throw_if_any();
  // A freeze pattern that selects nothing is a typo that would silently train everything.
  Options finetune = root.section("finetune");
  for (const auto& pattern : run.finetune.freeze) {
    try {
      params = params.freeze(pattern);
    } catch (const ParamsError& e) {
      finetune.error("freeze", e.what());
    }
  }
  if (run.finetune.freeze_batch_stats) params = with_fixed_statistics(params, run.finetune.freeze, finetune);
  // So is a no_decay or lr_mult pattern: every param would go on decaying, or at the full rate.
  if (run.optimizer) {
    std::vector<std::string> paths;
    for (size_t i = 0; i < params.size(); ++i) paths.push_back(params.key(i));
    const auto require_selects = [&](const std::string& key, const std::string& pattern) {
      const bool selects = std::any_of(paths.begin(), paths.end(), [&](const auto& p) { return glob_selects(pattern, p); });
      if (!selects) {
        root.section("optimizer")
            .error(key, fmt::format("{} pattern '{}' selects no param among {}{}", key, pattern, paths.size(),
                                    did_you_mean(pattern, paths)));
      }
    };
    for (const auto& pattern : run.optimizer->no_decay()) require_selects("no_decay", pattern);
    for (const auto& entry : run.optimizer->lr_mult()) require_selects("lr_mult", entry.params);
  }
  diagnostics.throw_if_any();
  return {std::move(document), std::move(run), BuiltModel{rng, net, params.locked(), input,
                                                                   activations.bytes() / static_cast<double>(dummy.size(0))}};
}

}  // namespace bx
