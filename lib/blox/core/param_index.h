// ParamIndex: the ordered paths of a Params and their positions, shared by every container
// with the same keys, with the derived indexes of split and merge memoized.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bx {

/// Immutable once built. Training steps split and merge the same containers the same way every
/// step; memoizing those derived indexes keeps the per-step container cost to reference counts.
class ParamIndex {
 public:
  static std::shared_ptr<const ParamIndex> make(std::vector<std::string> paths);
  static const std::shared_ptr<const ParamIndex>& empty();

  const std::vector<std::string>& paths() const { return paths_; }
  size_t size() const { return paths_.size(); }
  /// Position of `path`, or npos.
  size_t find(const std::string& path) const;
  static constexpr size_t npos = static_cast<size_t>(-1);

  /// The paths where mask[i] holds, in order.
  std::shared_ptr<const ParamIndex> subset(const std::vector<bool>& mask) const;
  /// These paths followed by `other`'s. Throws ParamsError naming a path present in both.
  std::shared_ptr<const ParamIndex> concat(const std::shared_ptr<const ParamIndex>& other) const;

 private:
  static constexpr size_t kCacheSize = 4;

  std::vector<std::string> paths_;
  std::unordered_map<std::string, size_t> positions_;

  mutable std::mutex cache_mutex_;
  mutable std::vector<std::pair<std::vector<bool>, std::shared_ptr<const ParamIndex>>> subsets_;
  mutable std::vector<std::pair<std::weak_ptr<const ParamIndex>, std::shared_ptr<const ParamIndex>>> concats_;
};

}  // namespace bx
