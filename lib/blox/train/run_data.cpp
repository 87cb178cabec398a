// Reading a run's splits; text is encoded with the vocabulary of its training file.
#include "blox/train/run_data.h"

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/data/csv.h"
#include "blox/data/idx.h"

namespace bx {
namespace {

TensorDataset read_file(const DataConfig& c, const std::string& path, const std::string& labels,
                        const std::optional<Vocabulary>& vocabulary) {
  if (c.format == "idx") return read_idx_classification(path, labels, c.classes);
  if (c.format == "csv") return read_csv(path, c.csv);
  const at::Tensor ids = vocabulary->encode(read_utf8_file(path), path);
  return make_language_model_dataset(ids, c.sequence_length, path);
}

}  // namespace

RunData load_run_data(const DataConfig& c, uint64_t seed, const std::optional<Vocabulary>& vocabulary) {
  RunData d;
  if (c.format == "text") d.vocabulary = vocabulary ? *vocabulary : Vocabulary::from_text(read_utf8_file(c.train));
  TensorDataset train = read_file(c, c.train, c.train_labels, d.vocabulary);
  if (!c.test.empty()) d.test = read_file(c, c.test, c.test_labels, d.vocabulary);
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

std::vector<std::shared_ptr<const Transform>> evaluation_transforms(const DataConfig& config) {
  std::vector<std::shared_ptr<const Transform>> kept;
  for (const auto& t : config.transforms) {
    if (std::dynamic_pointer_cast<const Normalize>(t)) kept.push_back(t);
  }
  return kept;
}

LoaderSettings evaluation_loader_settings(const DataConfig& config) {
  LoaderSettings settings = config.loader;
  settings.shuffle = false;
  return settings;
}

TensorDataset load_split(const DataConfig& c, uint64_t seed, const std::string& split,
                         const std::optional<Vocabulary>& vocabulary) {
  RunData d = load_run_data(c, seed, vocabulary);
  if (split == "train") return d.train;
  if (split == "test" && d.test) return *d.test;
  if (split == "validation" && c.validation_fraction > 0) return *d.evaluation;
  throw ConfigError(fmt::format("no '{}' split in this config (train{}{})", split, d.test ? ", test" : "",
                                c.validation_fraction > 0 ? ", validation" : ""));
}

}  // namespace bx
