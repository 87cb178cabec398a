// Section readers for a run. Cross-field rules live here, next to the fields they relate.
#include "blox/config/run_config.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/data/transform_registry.h"
#include "blox/optim/loss_metrics.h"
#include "blox/optim/optimizer_registry.h"
#include "blox/optim/schedule_registry.h"
#include "blox/schema/settings.h"
#include "blox/core/errors.h"
#include "blox/core/path_rename.h"

namespace bx {
namespace {

namespace fs = std::filesystem;

std::string data_file(Options& o, const std::string& key, const std::string& dir, bool required) {
  const std::string value = required ? o.required_string(key) : o.string(key, "");
  if (value.empty()) return value;
  const std::string path = fs::path(value).is_absolute() ? value : (fs::path(dir) / value).string();
  // The error_code forms: a path the system refuses (too long, say) is "does not exist", not a throw.
  std::error_code ec;
  o.check(fs::exists(path, ec), key, fmt::format("data file '{}' does not exist", path));
  // The resolved config (stored in checkpoints) must work from any folder.
  const std::string absolute = fs::absolute(path, ec).lexically_normal().string();
  o.set_string(key, absolute);
  return absolute;
}


DataConfig read_data(Options o, const std::string& dir, uint64_t seed) {
  DataConfig d;
  d.format = data_format(o.choice("format", data_format_name(d.format), data_format_names()));
  d.train = data_file(o, "train", dir, true);
  if (d.format == DataFormat::idx) d.train_labels = data_file(o, "train_labels", dir, true);
  d.test = data_file(o, "test", dir, false);
  if (d.format == DataFormat::idx && !d.test.empty()) d.test_labels = data_file(o, "test_labels", dir, true);
  d.validation_fraction = o.number("validation_fraction", d.validation_fraction);
  o.check(d.validation_fraction >= 0 && d.validation_fraction < 1, "validation_fraction",
          fmt::format("expected a fraction in [0, 1), got {}", d.validation_fraction));
  if (d.format != DataFormat::text) {
    d.classes = o.integer("classes", 0);
    o.check(d.classes >= 0, "classes", fmt::format("expected an integer >= 0, got {}", d.classes));
  }
  if (d.format == DataFormat::text) {
    d.sequence_length = o.integer("sequence_length", d.sequence_length);
    o.check(d.sequence_length > 0, "sequence_length", fmt::format("expected an integer > 0, got {}", d.sequence_length));
  }
  if (d.format == DataFormat::csv) {
    d.csv.header = o.boolean("header", d.csv.header);
    d.csv.label = o.string("label", d.csv.label);
    d.csv.classes = d.classes;
  }
  d.loader = read_settings(o, d.loader).value_or(d.loader);
  d.loader.seed = seed;
  for (Options t : o.sections("transforms")) {
    if (auto transform = read_transform(t)) d.transforms.push_back(std::move(transform));
  }
  o.finish();
  return d;
}

}  // namespace

RunConfig read_run_config(Options& root, const std::string& config_dir) {
  RunConfig c;
  const int64_t seed = root.integer("seed", 0);
  root.check(seed >= 0, "seed", fmt::format("expected an integer >= 0, got {}", seed));
  c.seed = static_cast<uint64_t>(seed);
  c.device = root.choice("device", c.device, {"cpu", "cuda", "auto"});
  c.threads = root.integer("threads", c.threads);
  root.check(c.threads >= 0, "threads", fmt::format("expected an integer >= 0, got {}", c.threads));
  c.data = read_data(root.section("data"), config_dir, c.seed);

  Options loss = root.section("loss");
  const std::optional<LossSettings> loss_read = read_settings(loss, c.loss);
  c.loss = loss_read.value_or(c.loss);
  loss.finish();

  // Which metrics fit, and the default list, depend on the loss (optim/loss_metrics.h).
  c.metrics = root.strings("metrics", default_metrics(loss_task(c.loss.type)));
  for (const auto& m : c.metrics) {
    const auto problem = metric_misfit(m, c.loss.type);
    // A broken loss section is reported already: then only unknown names are errors.
    if (problem && (loss_read || !find_metric(m))) root.error("metrics", problem->message, problem->hint);
  }

  Options train = root.section("train");
  c.train = read_settings(train, c.train).value_or(c.train);
  if (c.train.precision == "fp16" && c.device == "cpu") {
    train.error("precision", "fp16 needs a GPU (libtorch's CPU kernels have no fast fp16)",
                "use bf16 on the CPU, or device: cuda");
  }
  train.finish();

  c.optimizer = builtin_optimizers().build(root.section("optimizer"));
  c.schedule = builtin_schedules().build(root.section("schedule"), c.optimizer ? c.optimizer->learning_rate() : 0.0,
                                         std::max<int64_t>(1, c.train.max_steps));

  Options ck = root.section("checkpoint");
  c.checkpoint = read_settings(ck, c.checkpoint).value_or(c.checkpoint);
  ck.finish();

  // Cross-field rule: a watched metric must be one the run computes.
  for (const auto& [section, key, metric] : {std::tuple{&train, "early_stopping_metric", c.train.early_stopping_metric},
                                             std::tuple{&ck, "keep_best", c.checkpoint.keep_best}}) {
    if (!metric.empty() && std::find(c.metrics.begin(), c.metrics.end(), metric) == c.metrics.end()) {
      section->error(key, fmt::format("'{}' is not among the run's metrics ({})", metric, fmt::join(c.metrics, ", ")));
    }
  }

  Options dist = root.section("dist");
  c.dist = read_settings(dist, c.dist).value_or(c.dist);
  dist.finish();

  Options ft = root.section("finetune");
  c.finetune = read_settings(ft, c.finetune).value_or(c.finetune);
  if (!c.finetune.init_from.empty() && !fs::path(c.finetune.init_from).is_absolute()) {
    c.finetune.init_from = (fs::path(config_dir) / c.finetune.init_from).string();
  }
  const bool pytorch = c.finetune.layout == "pytorch";
  for (Options r : ft.sections("rename")) {
    std::string from = r.required_string("from");
    const std::string to = r.required_string("to");
    // PyTorch module names never hold '.', which joins them in state-dict keys: read as '/',
    // "features.0" is a path that globs and prefix rules treat like a blox one.
    if (pytorch) std::replace(from.begin(), from.end(), '.', '/');
    if (to.find('*') != std::string::npos && !is_prefix_rename(from, to)) {
      r.error("to", fmt::format("'{}' -> '{}': a wildcard in 'to' must be a trailing '/**' matching a literal "
                                "'from' prefix ending in '/**' (e.g. model/old/** -> model/new/**)", from, to));
    }
    c.finetune.rename.emplace_back(from, to);
    r.finish();
  }
  ft.finish();
  return c;
}

}  // namespace bx
