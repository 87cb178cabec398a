// In-memory datasets: inputs and targets as tensors, indexed along the first axis.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <ATen/core/Tensor.h>

namespace bx {

/// A batch: inputs (B, ...) and targets (B, ...), on the CPU until the trainer moves them.
struct Batch {
  at::Tensor inputs;
  at::Tensor targets;
};

/// N examples: inputs (N, ...) and targets (N, ...). Inputs may stay uint8 (images): the
/// loader converts batches to float, so the whole set is never held as float.
struct TensorDataset {
  at::Tensor inputs;
  at::Tensor targets;
  std::string source;  ///< where it came from, for messages

  int64_t size() const { return inputs.size(0); }
  /// The examples at `indices` (int64, 1-D), copied.
  Batch gather(const at::Tensor& indices) const;
};

/// Checks both tensors have the same first dimension; throws DataError naming `source`.
TensorDataset make_dataset(at::Tensor inputs, at::Tensor targets, std::string source);

/// (train, held_out): a seeded random `fraction` of the examples held out, in (0, 1).
std::pair<TensorDataset, TensorDataset> split_holdout(const TensorDataset& data, double fraction, uint64_t seed);

/// Throws DataError naming `source` unless every target is an integer in [0, classes).
void check_labels(const at::Tensor& targets, int64_t classes, const std::string& source);

}  // namespace bx
