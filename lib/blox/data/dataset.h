// Datasets: targets in memory, inputs in memory or read per batch (image files), indexed along
// the first axis.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace bx {

/// A batch: inputs (B, ...) and targets (B, ...), on the CPU until the trainer moves them.
struct Batch {
  at::Tensor inputs;
  at::Tensor targets;
};

class Transform;

/// What a stream read: inputs for the examples at `kept` (positions in the indices asked for;
/// undefined: all of them).
struct StreamRead {
  at::Tensor inputs;
  at::Tensor kept;
};

/// Inputs read on demand, a batch at a time (image files): nothing holds them all.
class ExampleStream {
 public:
  virtual ~ExampleStream() = default;
  virtual int64_t size() const = 0;
  /// The inputs at `indices` (positions in this stream) as float (B, ...), each through
  /// `transforms` with random draws keyed by (seed, epoch, the example's id in the file list),
  /// so batching and sharding never change an example's augmentation. Bad examples are an
  /// error, or left out (and counted) when the stream skips them.
  virtual StreamRead read(const at::Tensor& indices, int64_t epoch, uint64_t seed,
                          const std::vector<std::shared_ptr<const Transform>>& transforms) const = 0;
  /// Every example checked cheaply (image headers): "file: what is wrong" for each bad one.
  virtual std::vector<std::string> problems() const = 0;
  /// The examples left out since the last call ("file: what is wrong"), forgotten by the call.
  virtual std::vector<std::string> take_skipped() const = 0;
  /// The examples at `indices` (int64, 1-D), in that order.
  virtual std::shared_ptr<const ExampleStream> subset(const at::Tensor& indices) const = 0;
  /// Each example's name (its file), in order.
  virtual std::vector<std::string> names() const = 0;
};

/// N examples: targets (N, ...) and inputs (N, ...) in memory, or `stream` (inputs undefined).
/// In-memory inputs may stay uint8 (images): the loader converts batches to float, so the whole
/// set is never held as float.
struct Dataset {
  at::Tensor inputs;
  at::Tensor targets;
  std::string source;  ///< where it came from, for messages
  std::shared_ptr<const ExampleStream> stream;

  int64_t size() const { return targets.size(0); }
  /// The in-memory examples at `indices` (int64, 1-D), copied. Throws for a stream.
  Batch gather(const at::Tensor& indices) const;
  /// The examples at `indices`, in memory or streamed.
  Dataset subset(const at::Tensor& indices, std::string source) const;
};

/// Checks both tensors have the same first dimension; throws DataError naming `source`.
Dataset make_dataset(at::Tensor inputs, at::Tensor targets, std::string source);

/// (train, held_out): a seeded random `fraction` of the examples held out, in (0, 1).
std::pair<Dataset, Dataset> split_holdout(const Dataset& data, double fraction, uint64_t seed);

/// Throws DataError naming `source` unless every target is an integer in [0, classes).
void check_labels(const at::Tensor& targets, int64_t classes, const std::string& source);

}  // namespace bx
