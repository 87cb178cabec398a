// Loader: positions are pure functions of (seed, epoch, batch), so prefetching never changes
// what a run sees; the thread only changes when a batch is computed.
#include "blox/data/loader.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/randperm.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/rng.h"

namespace bx {
namespace {

// Distinct streams for shuffling and augmentation, derived from the run's seed.
constexpr uint64_t kShuffleStream = 0x5f1e;
constexpr uint64_t kTransformStream = 0xa06e;

}  // namespace

Loader::Loader(Dataset data, LoaderSettings settings, std::vector<std::shared_ptr<const Transform>> transforms)
    : data_(std::move(data)), settings_(settings), transforms_(std::move(transforms)) {
  const LoaderSettings& s = settings_;
  if (s.batch_size <= 0) throw ConfigError(fmt::format("loader: batch_size must be > 0, got {}", s.batch_size));
  if (s.world_size <= 0 || s.rank < 0 || s.rank >= s.world_size) {
    throw ConfigError(fmt::format("loader: rank must be in [0, world_size), got rank {} of {}", s.rank, s.world_size));
  }
  if (s.prefetch < 0) throw ConfigError(fmt::format("loader: prefetch must be >= 0, got {}", s.prefetch));
  examples_ = data_.size() / s.world_size;
  batches_ = s.drop_last ? examples_ / s.batch_size : (examples_ + s.batch_size - 1) / s.batch_size;
  if (batches_ == 0) {
    throw DataError(fmt::format("{}: {} examples per rank make no batch of {} (drop_last: {})", data_.source, examples_,
                                s.batch_size, s.drop_last));
  }
}

Loader::~Loader() { stop_worker(); }

at::Tensor Loader::epoch_order(int64_t epoch) const {
  std::lock_guard<std::mutex> lock(order_mutex_);
  if (epoch != cached_epoch_) {
    const int64_t n = data_.size();
    at::Tensor order;
    if (settings_.shuffle) {
      at::Generator gen = make_generator(fold_in(fold_in(Key{settings_.seed}, kShuffleStream), static_cast<uint64_t>(epoch)));
      order = at::randperm(n, gen, at::kLong);
    } else {
      order = at::arange(n, at::kLong);
    }
    // Rank r takes positions r, r + world, r + 2 world, ... of the shared order.
    const int64_t world = settings_.world_size;
    cached_order_ = order.narrow(0, 0, examples_ * world).view({examples_, world}).select(1, settings_.rank).contiguous();
    cached_epoch_ = epoch;
  }
  return cached_order_;
}

Batch Loader::batch_at(const LoaderPosition& position) const {
  if (position.batch < 0 || position.batch >= batches_ || position.epoch < 0) {
    throw Error(fmt::format("loader: position (epoch {}, batch {}) is outside [0, {}) batches", position.epoch,
                            position.batch, batches_));
  }
  const int64_t start = position.batch * settings_.batch_size;
  const int64_t count = std::min(settings_.batch_size, examples_ - start);
  const at::Tensor indices = epoch_order(position.epoch).narrow(0, start, count);
  if (data_.stream) {  // each example through the transforms, keyed by its own id
    StreamRead read = data_.stream->read(indices, position.epoch, settings_.seed, transforms_);
    const at::Tensor kept = read.kept.defined() ? indices.index_select(0, read.kept) : indices;
    return {std::move(read.inputs), data_.targets.index_select(0, kept)};
  }
  Batch batch = data_.gather(indices);
  if (batch.inputs.scalar_type() == at::kByte) batch.inputs = batch.inputs.to(at::kFloat).div_(255.0);
  if (!transforms_.empty()) {
    Key key = fold_in(fold_in(Key{settings_.seed}, kTransformStream), static_cast<uint64_t>(position.epoch));
    key = fold_in(fold_in(key, static_cast<uint64_t>(position.batch)), static_cast<uint64_t>(settings_.rank));
    at::Generator gen = make_generator(key);
    for (const auto& t : transforms_) batch.inputs = t->apply(batch.inputs, gen);
  }
  return batch;
}

void Loader::seek(const LoaderPosition& position) {
  if (position.batch < 0 || position.batch > batches_ || position.epoch < 0) {
    throw Error(fmt::format("loader: cannot seek to (epoch {}, batch {}); an epoch has {} batches", position.epoch,
                            position.batch, batches_));
  }
  stop_worker();
  position_ = position.batch == batches_ ? LoaderPosition{position.epoch + 1, 0} : position;
}

std::optional<Batch> Loader::next() {
  if (settings_.prefetch == 0) {
    if (position_.batch == batches_) {
      position_ = {position_.epoch + 1, 0};
      return std::nullopt;
    }
    Batch b = batch_at(position_);
    ++position_.batch;
    return b;
  }
  if (position_.batch == batches_) {
    stop_worker();
    position_ = {position_.epoch + 1, 0};
    return std::nullopt;
  }
  if (!running_) start_worker();
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !ready_.empty() || failure_; });
  if (ready_.empty()) {
    std::exception_ptr failure = failure_;
    lock.unlock();
    stop_worker();
    std::rethrow_exception(failure);
  }
  Batch b = std::move(ready_.front());
  ready_.pop_front();
  ++position_.batch;
  changed_.notify_all();
  return b;
}

void Loader::start_worker() {
  stop_worker();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
    failure_ = nullptr;
    ready_.clear();
  }
  running_ = true;
  worker_ = std::thread([this, from = position_] { work(from); });
}

void Loader::stop_worker() {
  if (!running_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  worker_.join();
  running_ = false;
  ready_.clear();
}

void Loader::work(LoaderPosition from) {
  try {
    for (LoaderPosition p = from; p.batch < batches_; ++p.batch) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || static_cast<int64_t>(ready_.size()) < settings_.prefetch; });
        if (stop_) return;
      }
      Batch b = batch_at(p);  // computed outside the lock: this is the work the trainer overlaps
      if (settings_.pin_memory) b = {b.inputs.pin_memory(), b.targets.pin_memory()};
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) return;
      ready_.push_back(std::move(b));
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    failure_ = std::current_exception();
    changed_.notify_all();
  }
}

}  // namespace bx
