// The datasets of a run, read as its data config says.
#pragma once

#include <optional>

#include "blox/config/run_config.h"
#include "blox/data/dataset.h"
#include "blox/data/text.h"

namespace bx {

struct RunData {
  Dataset train;
  std::optional<Dataset> evaluation;  ///< the held-out part, else the test split
  std::optional<Dataset> test;
  std::optional<Vocabulary> vocabulary;     ///< text only
};

/// Reads every split; throws DataError naming the file for bad data. Text is encoded with
/// `vocabulary` when given (a trained model's), else with the training file's own.
RunData load_run_data(const DataConfig& config, uint64_t seed, const std::optional<Vocabulary>& vocabulary = std::nullopt);

/// Throws DataError where a split makes no batch with the run's loader settings, as the
/// trainer's loaders would: validate refuses what train refuses. Image files: every header is
/// read and every bad file named at once (an error; with data.skip_bad_files, the returned note).
std::vector<std::string> require_batches(const RunData& data, const DataConfig& config);

/// Evaluation and prediction see the data as it is: of the configured transforms, the
/// deterministic ones (normalization, resize) and the stand-ins of random ones that set the
/// output size (random_resized_crop: resize + center_crop), in file order.
std::vector<std::shared_ptr<const Transform>> evaluation_transforms(const DataConfig& config);
LoaderSettings evaluation_loader_settings(const DataConfig& config);

/// The split a training run evaluates (RunData::evaluation): "validation" when
/// data.validation_fraction holds a part out, else "test".
std::string evaluation_split(const DataConfig& config);

/// One split by name: "train", "validation" (held-out part) or "test"; for `blox eval`.
Dataset load_split(const DataConfig& config, uint64_t seed, const std::string& split,
                         const std::optional<Vocabulary>& vocabulary = std::nullopt);

}  // namespace bx
