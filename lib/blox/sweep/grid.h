// The grid of `blox sweep`: the --grid axes (a config key and its values), the trials they make
// (every combination, or seeded random draws of distinct ones) and each trial's directory name.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bx {

/// One --grid axis: a config key and the values trials set it to, each as YAML text (what
/// `--set key=value` reads).
struct GridAxis {
  std::string key;  ///< normalized: "model.layers[1].output_size" (layers.1 and layers[1] alike)
  std::vector<std::string> values;
};

/// One trial: a combination of one value per axis.
struct SweepTrial {
  int number = 0;    ///< 1-based, in the order trials run
  std::string name;  ///< its directory under the sweep's: "trial-002-learning_rate=0.003"
  std::vector<std::pair<std::string, std::string>> settings;  ///< (key, value), one per axis, axis order

  /// The settings as --set overrides: "key=value".
  std::vector<std::string> overrides() const;
};

/// "model.layers.1.output_size" and "model.layers[1].output_size" -> "model.layers[1].output_size".
std::string normalized_key(const std::string& key);

/// Parses "KEY=[v1,v2,...]": the values are YAML, split at the commas outside quotes and
/// brackets ("[[1,2],[3]]" holds two lists). Throws ConfigError naming the argument for anything
/// else: no '=', no brackets, an empty value, an unbalanced quote or bracket.
GridAxis parse_grid_axis(const std::string& text);

/// The axes of a sweep, in command-line order.
class SweepGrid {
 public:
  /// Parses each --grid argument (parse_grid_axis). Throws ConfigError when there are none, when
  /// two name the same key, or when one names checkpoint.dir (the sweep sets it per trial).
  static SweepGrid parse(const std::vector<std::string>& arguments);

  const std::vector<GridAxis>& axes() const { return axes_; }
  /// The number of combinations; ConfigError when it does not fit in 64 bits.
  uint64_t size() const;
  /// Every combination, the first axis varying slowest (as nested loops over the axes in order).
  std::vector<SweepTrial> all_trials() const;
  /// `count` distinct combinations drawn uniformly (mt19937_64 seeded with `seed`), in draw
  /// order: the same seed gives the same trials, and a larger count the same ones first.
  /// ConfigError when count is not in [1, size()].
  std::vector<SweepTrial> random_trials(int64_t count, uint64_t seed) const;

 private:
  /// The trial at grid position `index` (mixed radix, the last axis fastest), numbered `number`.
  SweepTrial trial_at(uint64_t index, int number) const;

  std::vector<GridAxis> axes_;
};

}  // namespace bx
