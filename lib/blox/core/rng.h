// Rng: deterministic randomness whose whole state (seed, counter) lives in Params.
#pragma once

#include <cstdint>
#include <utility>

#include <ATen/core/Generator.h>
#include <c10/core/Device.h>

#include "blox/core/module.h"

namespace bx {

/// A 64-bit random key; every random draw in blox starts from one.
struct Key {
  uint64_t value = 0;
};

/// Derives a new key from `key` and `data` (a counter, a data-parallel rank, a lane index).
/// Pure and deterministic; distinct data give unrelated keys.
Key fold_in(Key key, uint64_t data);

/// A generator for `device` seeded from `key`. The same key gives the same stream.
at::Generator make_generator(Key key, c10::Device device = c10::kCPU);

/// The Rng module: its seed and counter are non-trainable int64 scalars at `<path>/seed` and
/// `<path>/counter`. `next` returns fold_in(seed, counter) and params with counter + 1, so a
/// run's randomness is a pure function of its params.
class Rng final : public Module {
 public:
  explicit Rng(Graph graph);

  /// Sets the seed (creating seed and counter = 0 on first use; an existing counter is kept).
  Params seed(Params params, uint64_t seed) const;
  /// Sets seed and counter.
  Params seed(Params params, uint64_t seed, uint64_t counter) const;
  /// Sets the counter; the seed must exist.
  Params set_counter(Params params, uint64_t counter) const;

  uint64_t get_seed(const Params& params) const;
  uint64_t get_counter(const Params& params) const;

  /// (fold_in(seed, counter), params with counter + 1). Throws ParamsError if never seeded.
  std::pair<Key, Params> next(Params params) const;

  /// Folds `data` (e.g. the data-parallel rank) into the seed, keeping the counter. At run time
  /// each rank folds its rank in so dropout masks differ; init runs unfolded so params agree.
  Params fold_in_seed(Params params, uint64_t data) const;
};

}  // namespace bx
