// Reading a run's splits; text is encoded with the vocabulary of its training file.
#include "blox/train/run_data.h"

#include <algorithm>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/data/loader.h"

namespace bx {
RunData load_run_data(const DataConfig& c, uint64_t seed, const std::optional<Vocabulary>& vocabulary) {
  RunData d;
  std::u32string training_text;
  if (c.format == DataFormat::text) {
    training_text = read_utf8_file(c.train);
    d.vocabulary = vocabulary ? *vocabulary : Vocabulary::from_text(training_text);
  }
  const Vocabulary* ids = d.vocabulary ? &*d.vocabulary : nullptr;
  if (!c.test.empty()) d.test = open_dataset(c.source(c.test, c.test_labels, ids));
  if (c.format == DataFormat::text) {
    // Text is held out as its contiguous tail; only training windows overlap (window_stride).
    const at::Tensor text = ids->encode(training_text, c.train);
    at::Tensor train_ids = text;
    if (c.validation_fraction > 0) {
      auto [kept, held] = split_text_tail(text, c.validation_fraction, c.sequence_length, c.train);
      train_ids = kept;
      d.evaluation = make_language_model_dataset(held, c.sequence_length, c.sequence_length, c.train + " (held-out tail)");
    } else {
      d.evaluation = d.test;
    }
    d.train = make_language_model_dataset(train_ids, c.sequence_length, c.training_window_stride(), c.train);
    return d;
  }
  Dataset train = open_dataset(c.source(c.train, c.train_labels, ids));
  if (c.validation_fraction > 0) {
    auto [kept, held] = split_holdout(train, c.validation_fraction, seed);
    d.train = std::move(kept);
    d.evaluation = std::move(held);
  } else {
    d.train = std::move(train);
    d.evaluation = d.test;
  }
  return d;
}

std::vector<std::string> require_batches(const RunData& data, const DataConfig& config) {
  Loader train(data.train, config.loader, {});
  for (const auto& split : {data.evaluation, data.test}) {
    if (split) Loader evaluation(*split, evaluation_loader_settings(config), {});
  }
  // Streamed files: every header read, every bad one listed at once.
  std::vector<std::string> problems;
  for (const Dataset* split : {&data.train, data.evaluation ? &*data.evaluation : nullptr, data.test ? &*data.test : nullptr}) {
    if (!split || !split->stream) continue;
    for (auto& p : split->stream->problems()) problems.push_back(std::move(p));
  }
  if (problems.empty()) return {};
  std::sort(problems.begin(), problems.end());
  problems.erase(std::unique(problems.begin(), problems.end()), problems.end());
  const size_t shown = std::min<size_t>(problems.size(), 20);
  std::string list;
  for (size_t i = 0; i < shown; ++i) list += "\n  " + problems[i];
  if (shown < problems.size()) list += fmt::format("\n  ... and {} more", problems.size() - shown);
  if (!config.skip_bad_files) {
    throw DataError(fmt::format("{} bad image file{}:{}\nhint: fix or remove them, or set data.skip_bad_files: true to "
                                "leave them out",
                                problems.size(), problems.size() == 1 ? "" : "s", list));
  }
  return {fmt::format("note: {} bad image file{} will be left out (data.skip_bad_files):{}", problems.size(),
                      problems.size() == 1 ? "" : "s", list)};
}

std::vector<std::shared_ptr<const Transform>> evaluation_transforms(const DataConfig& config) {
  return evaluation_transforms(config.transforms);
}

LoaderSettings evaluation_loader_settings(const DataConfig& config) {
  LoaderSettings settings = config.loader;
  settings.shuffle = false;
  return settings;
}

std::string evaluation_split(const DataConfig& config) {
  return config.validation_fraction > 0 ? "validation" : "test";
}

Dataset load_split(const DataConfig& c, uint64_t seed, const std::string& split,
                         const std::optional<Vocabulary>& vocabulary) {
  RunData d = load_run_data(c, seed, vocabulary);
  if (split == "train") return d.train;
  if (split == "test" && d.test) return *d.test;
  if (split == "validation" && c.validation_fraction > 0) return *d.evaluation;
  throw ConfigError(fmt::format("no '{}' split in this config (train{}{})", split, d.test ? ", test" : "",
                                c.validation_fraction > 0 ? ", validation" : ""));
}

}  // namespace bx
