// Export of a trained model to an ONNX file: the eval-mode graph, the checkpoint's params as
// initializers named by their paths, optionally the dataset's normalization in front.
#pragma once

#include <cstdint>
#include <string>

#include "blox/config/model_builder.h"
#include "blox/core/params.h"
#include "blox/export/onnx_graph.h"

namespace bx {

struct OnnxExportOptions {
  int opset = kMaxOnnxOpset;           ///< in [kMinOnnxOpset, kMaxOnnxOpset]
  bool dynamic_batch = false;          ///< batch axis named "batch" (any size), else the sample's
  int64_t batch_size = 1;              ///< the fixed batch size without dynamic_batch
  bool include_preprocessing = false;  ///< fold the evaluation transforms (normalize) into the graph
  std::string config;                  ///< the run's resolved YAML, stored as metadata
  int64_t step = 0;                    ///< the checkpoint's step, stored as metadata
};

/// What was written, for the command's summary.
struct OnnxExportSummary {
  std::string input, output;  ///< names
  std::string input_shape, output_shape;
  int64_t nodes = 0;
  int64_t initializers = 0;
  int64_t bytes = 0;
};

/// Writes `run`'s model with `params` to `path` (atomically), checked by ONNX's own checker
/// first. ConfigError for a layer or transform without an ONNX form (naming it), an opset out of
/// range, or params beyond protobuf's 2 GB.
OnnxExportSummary export_onnx(const PreparedRun& run, const Params& params, const OnnxExportOptions& options,
                              const std::string& path);

}  // namespace bx
