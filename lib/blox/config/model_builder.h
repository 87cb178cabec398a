// Building a run from a config: every section read, the model built and initialized lazily on
// a dummy batch, every problem reported at once.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "blox/config/document.h"
#include "blox/config/run_config.h"
#include "blox/core/module.h"
#include "blox/core/rng.h"
#include "blox/data/text.h"

namespace bx {

/// The static model of a config: a whole-model Sequential on the root node "model", its Rng
/// at "model/rng", and the params its dummy pass created (locked).
struct BuiltModel {
  std::shared_ptr<const Rng> rng;
  std::shared_ptr<const Layer> layer;
  Params params;
  at::Tensor example_input;  ///< the dummy batch's input (one example)
  double activation_bytes = 0;  ///< the dummy pass's layer outputs per example (ActivationTally)
};

struct PreparedRun {
  ConfigDocument document;
  RunConfig run;
  BuiltModel model;
};

/// Loads `path` with `overrides`, reads every section, builds `model.layers`, runs the dummy
/// pass. Throws ConfigError carrying the full diagnostics report (file:line:column, key path,
/// expected/got, did-you-mean) when anything is wrong. Writes nothing. For text data the
/// vocabulary size is `classes`: from `vocabulary` when given (a trained model's), else from
/// the training file. With `stored_config` (a checkpoint's), the values fitted on the training
/// data (config/fitted_data.h) are the stored ones, not fitted again.
PreparedRun prepare_run(const std::string& path, const std::vector<std::string>& overrides = {},
                        const std::optional<Vocabulary>& vocabulary = std::nullopt,
                        const std::string& stored_config = "");

/// As prepare_run, for `config_text`: a checkpoint's stored, resolved config (its fitted values
/// and absolute data paths included), named `path` (the checkpoint) in messages.
PreparedRun prepare_stored_run(const std::string& config_text, const std::string& path,
                               const std::vector<std::string>& overrides = {},
                               const std::optional<Vocabulary>& vocabulary = std::nullopt);

/// As prepare_run, for a loaded document (its overrides applied).
PreparedRun prepare_document(ConfigDocument document, const std::optional<Vocabulary>& vocabulary = std::nullopt);

}  // namespace bx
