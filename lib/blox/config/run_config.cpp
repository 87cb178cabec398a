// Section readers for a run. Cross-field rules live here, next to the fields they relate.
#include "blox/config/run_config.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/data/transform_registry.h"
#include "blox/metrics/catalogue.h"
#include "blox/optim/optimizer_registry.h"
#include "blox/optim/schedule_registry.h"
#include "blox/schema/settings.h"
#include "blox/core/errors.h"
#include "blox/core/path_rename.h"

namespace bx {
namespace {

namespace fs = std::filesystem;

// `value` (data.`key`) resolved against the config's folder, checked to exist and written back
// absolute; "" stays "".
std::string data_file(Options& o, const std::string& key, const std::string& value, const std::string& dir) {
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


// What is fitted on the training file, read once and only when asked for; none when the file
// cannot be read yet (the settings it needs are broken).
using CsvFitter = std::function<const CsvFit&()>;

// `data.categories`: given values are kept (sorted), missing ones fitted on the training file
// and written back, so the resolved config (and every checkpoint) holds them.
CsvCategories read_categories(Options& data, const DataConfig& d, const CsvFitter& fitted) {
  Options given = data.section("categories");
  CsvCategories categories;
  for (const auto& column : d.csv.categorical) {
    if (!given.has(column)) continue;
    std::vector<std::string> values = given.strings(column, {});
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    categories[column] = values;
  }
  if (categories.size() < d.csv.categorical.size() && fitted) {
    for (const auto& [column, values] : fitted().categories) {
      if (categories.count(column)) continue;
      given.known(column);
      given.set_strings(column, values);
      categories[column] = values;
    }
  }
  given.finish();
  return categories;
}

void read_csv_settings(Options& o, DataConfig& d) {
  d.csv = read_settings(o, d.csv).value_or(d.csv);
  const std::string& delimiter = d.csv.delimiter;
  o.check(delimiter.size() == 1 || delimiter == "tab" || delimiter == "whitespace", "delimiter",
          fmt::format("expected one character, tab or whitespace, got '{}'", delimiter));
  const std::string& fill = d.csv.fill_missing;
  o.check(fill == "error" || csv_number(fill), "fill_missing",
          fmt::format("expected error or a finite number, got '{}'", fill));
  d.csv.classes = d.classes;
}

// `data.class_names`: given, or fitted on a training label column of strings and written back.
void read_class_names(Options& o, DataConfig& d, const CsvFitter& fitted) {
  std::vector<std::string>& names = d.class_names;
  if (names.empty() && d.classes > 0 && fitted) {
    names = fitted().class_names;
    if (!names.empty()) o.set_strings("class_names", names);
  }
  if (names.empty()) return;
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
  o.check(twice == sorted.end(), "class_names",
          fmt::format("'{}' is named twice", twice == sorted.end() ? "" : *twice));
  o.check(d.classes == static_cast<int64_t>(names.size()), "classes",
          fmt::format("{} classes, but data.class_names has {} ({}){}", d.classes, names.size(), fmt::join(names, ", "),
                      d.classes == 0 ? "; class names are for class labels: set data.classes" : ""));
}

// Images: the class names of the training folder or manifest (given ones checked against it), and
// `classes` their count, both written back.
void read_image_classes(Options& o, DataConfig& d) {
  const bool given = !d.class_names.empty();
  try {
    const ImageFiles files = list_image_files(d.source(d.train, ""));
    if (!given) {
      d.class_names = files.class_names;
      o.set_strings("class_names", d.class_names);
    }
  } catch (const DataError& e) {
    o.error("train", e.what());
    return;
  }
  const int64_t count = static_cast<int64_t>(d.class_names.size());
  if (count == 0) {  // a manifest labelled by indices: the class count is the config's
    o.check(d.classes > 0, "classes", "the manifest's labels are class indices: set data.classes");
    return;
  }
  if (d.classes == 0) {
    d.classes = count;
    o.set_string("classes", std::to_string(count));
  }
  o.check(d.classes == count, "classes",
          fmt::format("{} classes, but data.class_names has {} ({})", d.classes, count, fmt::join(d.class_names, ", ")));
}

// The raw inputs of the training split (after the held-out part is taken out), for fitting.
at::Tensor training_inputs(const DataConfig& d, uint64_t seed) {
  Dataset train = open_dataset(d.source(d.train, d.train_labels));
  if (d.validation_fraction > 0) train = split_holdout(train, d.validation_fraction, seed).first;
  return train.inputs;
}

DataConfig read_data(Options o, const std::string& dir, uint64_t seed) {
  const size_t problems_before = o.diagnostics().items().size();
  DataConfig d;
  read_settings_into(o, static_cast<DataFiles&>(d));
  d.format = data_format(d.format_name);
  const bool csv = d.format == DataFormat::csv;
  const bool text = d.format == DataFormat::text;
  d.train = data_file(o, "train", d.train, dir);
  d.train_labels = data_file(o, "train_labels", d.train_labels, dir);
  d.test = data_file(o, "test", d.test, dir);
  d.test_labels = data_file(o, "test_labels", d.test_labels, dir);
  // Which files go together depends on the format.
  o.check(!d.train_labels.empty() || d.format != DataFormat::idx, "",
          "missing required key 'train_labels' (format idx keeps the labels in a file of their own)");
  o.check(!d.test_labels.empty() || d.test.empty() || d.format != DataFormat::idx, "",
          "missing required key 'test_labels' (format idx keeps the test labels in a file of their own)");
  o.check(!text || (d.train_labels.empty() && d.test_labels.empty()), d.train_labels.empty() ? "test_labels" : "train_labels",
          "format text has no labels files (each character's target is the next one)");
  o.check(d.test_labels.empty() || !d.test.empty(), "test_labels", "test_labels without test");
  o.check(d.test_labels.empty() || !d.train_labels.empty(), "test_labels",
          "test_labels without train_labels: the training file would hold its labels and the test file not");
  o.check(!csv || d.test.empty() || d.train_labels.empty() || !d.test_labels.empty(), "",
          "missing required key 'test_labels' (with train_labels, the test split's targets are in a file too)");
  o.check(!text || d.classes == 0, "classes", "format text takes its classes from the vocabulary of the training text");
  o.check(text || d.window_stride == 0, "window_stride", "window_stride is for format text");
  const bool images = is_image_format(d.format);
  o.check(!images || (d.train_labels.empty() && d.test_labels.empty()), d.train_labels.empty() ? "test_labels" : "train_labels",
          fmt::format("format {} has no labels files (image_folder: the class folders; image_list: the label column)",
                      d.format_name));
  o.check(d.channels == 1 || d.channels == 3 || d.channels == 4, "channels",
          fmt::format("expected 1, 3 or 4, got {}", d.channels));
  o.check(d.window_stride <= d.sequence_length, "window_stride",
          fmt::format("{} is past sequence_length {}: the text between windows would never be trained on",
                      d.window_stride, d.sequence_length));
  // Values fitted on the training data need it readable and the settings above sound.
  const auto can_fit = [&] { return o.diagnostics().items().size() == problems_before; };
  if (csv) {
    read_csv_settings(o, d);
    std::optional<CsvFit> fit;
    CsvFitter fitted;
    if (can_fit()) {
      fitted = [&]() -> const CsvFit& {
        if (!fit) fit = fit_csv(d.train, d.csv, d.train_labels);
        return *fit;
      };
    }
    if (!d.csv.categorical.empty()) d.csv.categories = read_categories(o, d, fitted);
    read_class_names(o, d, fitted);
    d.csv.class_names = d.class_names;
  }
  if (images && can_fit()) read_image_classes(o, d);
  d.loader = read_settings(o, d.loader).value_or(d.loader);
  d.loader.seed = seed;
  std::vector<Options> transforms = o.sections("transforms");
  for (size_t i = 0; i < transforms.size(); ++i) {
    Options& t = transforms[i];
    if (t.scalar("type") == std::optional<std::string>("standardize") && !(t.has("mean") && t.has("std"))) {
      if (i > 0) {
        t.error("type", "standardize must be the first transform: it is fitted on the raw training inputs");
      } else if (d.format == DataFormat::text || images) {
        t.error("type", fmt::format("standardize applies to idx and csv data, not to {}{}", d.format_name,
                                    images ? "; hint: normalize with the dataset's mean and std (preset: imagenet "
                                             "for ImageNet's)" : ""));
      } else if (can_fit()) {
        const auto [mean, std] = fit_standardize(training_inputs(d, seed));
        t.set_numbers("mean", mean);
        t.set_numbers("std", std);
      }
      if (!(t.has("mean") && t.has("std"))) continue;  // not fitted: an error above, or one elsewhere
    }
    if (images && d.channels == 4 && t.scalar("type") == std::optional<std::string>("color_jitter")) {
      t.error("type", "color_jitter takes images of 1 or 3 channels (torchvision's rule), not data.channels 4 (RGBA)");
    }
    if (auto transform = read_transform(t)) d.transforms.push_back(std::move(transform));
  }
  o.finish();
  return d;
}

}  // namespace

RunConfig read_run_config(Options& root, const std::string& config_dir) {
  RunConfig c;
  if (const std::optional<RootSettings> settings = read_settings(root, RootSettings{})) {
    static_cast<RootSettings&>(c) = *settings;
  }
  c.data = read_data(root.section("data"), config_dir, static_cast<uint64_t>(c.seed));

  Options loss = root.section("loss");
  const std::optional<LossSettings> loss_read = read_settings(loss, c.loss);
  c.loss = loss_read.value_or(c.loss);
  loss.finish();

  // Which metrics fit, and the default list, depend on the loss (metrics/catalogue.h).
  c.metrics = root.strings("metrics", default_metrics(loss_task(c.loss.type)));
  for (const auto& m : c.metrics) {
    const auto problem = metric_misfit(m, c.loss.type);
    // A broken loss section is reported already: then only unknown names are errors.
    if (problem && (loss_read || !find_metric(m))) root.error("metrics", problem->message, problem->hint);
  }

  Options train = root.section("train");
  c.train = read_settings(train, c.train).value_or(c.train);
  train.known("ema");  // absent: no EMA; a misspelt key still hears "did you mean 'ema'?"
  if (train.has("ema")) {
    const size_t problems = root.diagnostics().items().size();
    Options ema = train.section("ema");
    if (root.diagnostics().items().size() == problems) {  // a mapping: its keys are worth reading
      c.train.ema = read_settings(ema, EmaConfig{}).value_or(EmaConfig{});
      ema.finish();
    }
  }
  // "auto" and "cuda" may find a GPU: the trainer checks again on the device it gets.
  if (c.device == "cpu") {
    if (const auto problem = precision_problem(precision_from_name(c.train.precision), c10::kCPU)) {
      train.error("precision", problem->message, problem->hint);
    }
  }
  train.finish();

  c.optimizer = builtin_optimizers().build(root.section("optimizer"));
  c.schedule = builtin_schedules().build(root.section("schedule"), c.optimizer ? c.optimizer->learning_rate() : 0.0,
                                         c.train.max_steps);

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
