// Predictions of a model over a dataset, written as CSV or JSON Lines.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "blox/core/module.h"
#include "blox/data/loader.h"

namespace bx {

enum class PredictionFormat { csv, jsonl };

/// "csv" / "jsonl"; throws ConfigError naming `where` otherwise.
PredictionFormat parse_prediction_format(const std::string& name, const std::string& where);

struct PredictionOptions {
  PredictionFormat format = PredictionFormat::csv;
  bool classification = true;  ///< outputs are class logits: write the class and its probability
  bool with_targets = true;    ///< the loader's targets are labels (else example indices): write them
  std::vector<std::string> class_names;  ///< data.class_names: a `class` column, labels by name
  std::vector<std::string> files;        ///< each example's file (images): a `file` column
};

/// Runs `model` in eval mode over one epoch of `loader` (unshuffled) and writes one row per
/// example: its index in the data, then for a classifier the predicted class, its probability,
/// its name (with class names) and (JSONL) every class's probability, else the raw outputs; and
/// the label when known (by name, with class names).
/// Batches go to `device` (where `params` are). Returns the number of rows.
int64_t write_predictions(const Layer& model, const Params& params, Loader& loader, const PredictionOptions& options,
                          std::ostream& out, c10::Device device = c10::kCPU);

}  // namespace bx
