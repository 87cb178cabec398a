// DataParallel: what a rank of a data-parallel run does differently from a single process, and
// the collectives that keep the ranks in step. With one process every call passes through.
//
// One config is one model: data.batch_size is the global batch, each rank takes batch / world
// of every step's examples (the loader's interleaved shards), gradients are averaged before
// clipping and the update, so params stay bitwise equal on every rank.
#pragma once

#include <memory>
#include <string>

#include "blox/core/params.h"
#include "blox/data/dataset.h"
#include "blox/data/loader.h"
#include "blox/dist/collectives.h"
#include "blox/dist/dist_settings.h"
#include "blox/train/cadence.h"
#include "blox/metrics/evaluation.h"
#include "blox/train/train_step.h"

namespace bx {

/// ConfigError unless the global `batch_size` divides among `processes` (checked before any
/// worker starts, and by each one).
void require_divisible_batch(int64_t batch_size, int64_t processes);

class DataParallel {
 public:
  /// Joins the process group the launcher's environment describes (none: one process);
  /// `device` is where this rank computes (NCCL carries its gradients when it is a GPU).
  DataParallel(const LaunchEnv& env, const DistSettings& settings, c10::Device device);

  bool distributed() const { return collectives_ != nullptr; }
  int64_t rank() const { return env_.rank; }
  int64_t world_size() const { return env_.world_size; }
  /// Rank 0 writes files and prints.
  bool is_main() const { return env_.rank == 0; }

  /// This rank's share of every step: batch_size / world (ConfigError unless it divides).
  LoaderSettings shard(LoaderSettings settings) const;
  /// This rank's contiguous part of an evaluation split (every example on exactly one rank).
  Dataset shard(const Dataset& data) const;

  /// Rank 0's values of every param, on every rank (after init and after resume).
  void same_as_main(const Params& params) const;
  /// Rank 0's text (the resumed run's position and memory) on every rank.
  std::string same_as_main(const std::string& text) const;
  /// Gradients averaged over ranks, then `then` (clipping) on the average. The same all-reduce
  /// carries the step's loss and this rank's pending stop signal (see agreed_step).
  GradTransform averaging_grads(GradTransform then) const;
  /// Floating-point state that each rank updates on its own data (batch-norm statistics)
  /// averaged over ranks, in place: done before every evaluation and checkpoint.
  void average_state(const Params& state) const;

  /// After a step: the stop signal pending here or, in a data-parallel run, on any rank (SIGINT
  /// over SIGTERM over SIGUSR1), as the step's gradient average carried it: no collective of
  /// its own.
  StopSignal agreed_signal() const;
  /// Evaluation sums over every rank's shard.
  EvalSums agree(const EvalSums& sums) const;
  /// Returns when every rank has called it (after rank 0's save).
  void barrier() const;
  /// Throws DistError unless `params` are bitwise the same on every rank (checked before each
  /// save: a checkpoint holds rank 0's params, which must be everyone's).
  void require_identical(const Params& params, int64_t step) const;

 private:
  LaunchEnv env_;
  std::unique_ptr<Collectives> collectives_;
  mutable StopSignal agreed_signal_ = StopSignal::none;  ///< written by the gradient average
};

}  // namespace bx
