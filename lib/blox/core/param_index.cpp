// ParamIndex with small memo tables (a handful of entries: one model splits a few ways).
#include "blox/core/param_index.h"

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {
namespace {

template <typename Entry>
void remember(std::vector<Entry>& cache, Entry entry, size_t capacity) {
  if (cache.size() == capacity) cache.erase(cache.begin());
  cache.push_back(std::move(entry));
}

}  // namespace

std::shared_ptr<const ParamIndex> ParamIndex::make(std::vector<std::string> paths) {
  auto index = std::make_shared<ParamIndex>();
  index->positions_.reserve(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) index->positions_.emplace(paths[i], i);
  index->paths_ = std::move(paths);
  return index;
}

const std::shared_ptr<const ParamIndex>& ParamIndex::empty() {
  static const std::shared_ptr<const ParamIndex> kEmpty = make({});
  return kEmpty;
}

size_t ParamIndex::find(const std::string& path) const {
  auto it = positions_.find(path);
  return it == positions_.end() ? npos : it->second;
}

std::shared_ptr<const ParamIndex> ParamIndex::subset(const std::vector<bool>& mask) const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  for (const auto& [cached_mask, index] : subsets_) {
    if (cached_mask == mask) return index;
  }
  std::vector<std::string> selected;
  for (size_t i = 0; i < paths_.size(); ++i) {
    if (mask[i]) selected.push_back(paths_[i]);
  }
  auto index = make(std::move(selected));
  remember(subsets_, {mask, index}, kCacheSize);
  return index;
}

std::shared_ptr<const ParamIndex> ParamIndex::concat(const std::shared_ptr<const ParamIndex>& other) const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  for (const auto& [cached_other, index] : concats_) {
    if (cached_other.lock() == other) return index;
  }
  std::vector<std::string> joined = paths_;
  joined.reserve(size() + other->size());
  for (const auto& path : other->paths()) {
    if (find(path) != npos) throw ParamsError(fmt::format("cannot merge params: path '{}' is in both", path));
    joined.push_back(path);
  }
  auto index = make(std::move(joined));
  remember(concats_, {std::weak_ptr<const ParamIndex>(other), index}, kCacheSize);
  return index;
}

}  // namespace bx
