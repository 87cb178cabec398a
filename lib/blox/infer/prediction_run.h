// blox predict's work: a trained model's predictions for a split or a data file, written as
// CSV, JSON Lines or safetensors tensors.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "blox/data/dataset.h"
#include "blox/infer/trained_model.h"

namespace bx {

/// What to predict on and where the rows go.
struct PredictionRequest {
  std::string split;  ///< a split of the run's data, when `input` is ""; "": default_split (evaluate.h)
  std::string input;           ///< a data file in the run's format
  std::string output;          ///< "": the stream given to predict(); else replaced atomically
  std::string format;          ///< csv, jsonl or safetensors; "": from the output's extension, else csv
  int64_t limit = 0;           ///< safetensors only: the first N examples (0: all)
};

/// The examples to predict on, and whether their targets are labels (else example indices).
struct PredictionInput {
  Dataset data;
  bool labelled = false;
};

/// A data file in the run's format: IDX images come without labels; CSV rows matched to the
/// training file's columns by name (read_csv_for_prediction), with or without the label
/// column. Throws ConfigError for text data.
PredictionInput read_prediction_input(const DataConfig& data, const std::string& path);

/// The format `request` asks for, checked against its other choices (ConfigError: safetensors
/// without an output file, a limit outside safetensors).
std::string prediction_format(const PredictionRequest& request);

/// Writes `model`'s predictions as `request` says: to `request.output` (atomically) or else to
/// `out`. Returns lines for stderr: the split chosen when none was named and the config has no
/// test data, and what was written where ("" when there is nothing to say).
std::string predict(const TrainedModel& model, const PredictionRequest& request, std::ostream& out);

}  // namespace bx
