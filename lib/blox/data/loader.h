// Loader: seeded, shardable, resumable batches, prepared ahead on a background thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "blox/data/dataset.h"
#include "blox/data/transforms.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of Loader; field names are the YAML keys.
struct LoaderSettings {
  int64_t batch_size = 128;  ///< > 0
  bool shuffle = true;       ///< epoch k's order is a pure function of (seed, k)
  bool drop_last = false;    ///< drop a last, smaller batch
  uint64_t seed = 0;
  int64_t rank = 0;          ///< data-parallel rank in [0, world_size)
  int64_t world_size = 1;    ///< each rank sees a disjoint 1/world_size of every epoch
  int64_t prefetch = 2;      ///< batches prepared ahead by the background thread; 0: none
  /// Batches in page-locked memory, pinned by the background thread, so host-to-device copies
  /// do not block. Not a config key: the trainer sets it for CUDA runs.
  bool pin_memory = false;

  /// The keys of `data:` that configure batching (seed, rank and pinning are set by the run).
  template <class Visit>
  void fields(Visit& visit) {
    visit("batch_size", batch_size, Rule::positive(), "examples per step");
    visit("shuffle", shuffle, Rule(), "epoch k's order is a pure function of (seed, k)");
    visit("drop_last", drop_last, Rule(), "drop a last, smaller batch");
    visit("prefetch", prefetch, Rule::non_negative().resumable(), "batches prepared ahead on a background thread; 0: none");
  }
};

/// Where a loader stands: the next batch it returns is batch `batch` of epoch `epoch`. Saved
/// in checkpoints, so a resumed run sees exactly the batches the uninterrupted one would have.
struct LoaderPosition {
  int64_t epoch = 0;
  int64_t batch = 0;
  bool operator==(const LoaderPosition& o) const { return epoch == o.epoch && batch == o.batch; }
};

/// Batches of a Dataset. uint8 inputs become float in [0, 1] per batch, then the
/// transforms run with a generator derived from (seed, epoch, batch, rank). Sharding keeps
/// the first N - N % world_size examples of each epoch's order, so all ranks see the same count.
class Loader {
 public:
  /// Throws ConfigError for a bad batch size, rank or prefetch.
  Loader(Dataset data, LoaderSettings settings, std::vector<std::shared_ptr<const Transform>> transforms = {});
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  int64_t examples_per_epoch() const { return examples_; }
  int64_t batches_per_epoch() const { return batches_; }

  /// This rank's example indices for `epoch`, in order.
  at::Tensor epoch_order(int64_t epoch) const;
  /// The batch at `position` (pure: the same every time).
  Batch batch_at(const LoaderPosition& position) const;

  /// The position of the batch the next call to next() returns.
  LoaderPosition position() const { return position_; }
  /// Continue from `position` (e.g. one restored from a checkpoint).
  void seek(const LoaderPosition& position);
  /// The next batch of the current epoch, or nothing at its end (the position then moves to
  /// the next epoch's first batch). Rethrows an error the background thread met.
  std::optional<Batch> next();

 private:
  void start_worker();
  void stop_worker();
  void work(LoaderPosition from);

  Dataset data_;
  LoaderSettings settings_;
  std::vector<std::shared_ptr<const Transform>> transforms_;
  int64_t examples_ = 0;
  int64_t batches_ = 0;
  LoaderPosition position_;

  // The background thread fills `ready_` with the batches after `position_`, in order.
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> ready_;
  bool stop_ = false;
  bool running_ = false;
  std::exception_ptr failure_;

  // The last epoch order computed, shared by the worker and batch_at.
  mutable std::mutex order_mutex_;
  mutable int64_t cached_epoch_ = -1;
  mutable at::Tensor cached_order_;
};

}  // namespace bx
