// Checkpoints: params, optimizer state and run position in one safetensors file.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "blox/core/params.h"
#include "blox/data/loader.h"

namespace bx {

/// Everything a run needs to continue exactly where it stopped.
struct Checkpoint {
  Params params;      ///< model params and state (Rng, batch-norm statistics), by path
  Params optimizer;   ///< optimizer state, paths under "optim/"
  int64_t step = 0;   ///< updates done
  int64_t epoch = 0;  ///< epochs completed
  LoaderPosition loader;
  std::string config;  ///< the resolved config (YAML)
  /// The trainer's memory across evaluations (best values of keep_best / early stopping,
  /// evaluations without gain), so a resumed run decides as the uninterrupted one would.
  std::map<std::string, double> tracking;
};

/// Tensors keyed by path; `__metadata__` holds "format" (blox-checkpoint-1), "params" (JSON:
/// path, trainable flag and tags per param, in order), "optimizer" (JSON list of paths),
/// "step", "epoch", "loader_epoch", "loader_batch", "config", "tracking" (JSON object of numbers)
/// "checksum" (CRC-32 of the data section) and "header_checksum" (CRC-32 of the other metadata
/// and each tensor's name, dtype and shape). Written atomically (temp file, fsync, rename): a
/// crash leaves the old file.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

/// Reads and verifies a checkpoint; throws CheckpointError naming the file and what is wrong
/// (not a blox checkpoint, either checksum mismatching, a listed tensor missing, a position that
/// is not a whole non-negative number, ...). A file without header_checksum (written before
/// it existed) is read with its numbers still checked.
Checkpoint load_checkpoint(const std::string& path);

/// `structure` (a model's or a run's paths, order and flags) with the values `saved` holds for
/// them; CheckpointError naming `file` and the first path missing from `saved` or differing in
/// shape or dtype (a checkpoint of another model, or a relabelled tensor). Extra saved paths are
/// ignored. Each value takes the memory layout of the structure's (in_layout_of).
Params with_saved_values(const Params& structure, const Params& saved, const std::string& file);

}  // namespace bx
