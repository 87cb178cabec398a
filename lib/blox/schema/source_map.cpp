// Longest-prefix lookup of a key path's source file.
#include "blox/schema/source_map.h"

namespace bx {

const std::string& SourceMap::file_for(const std::string& path) const {
  std::string prefix = path;
  while (true) {
    auto it = files_.find(prefix);
    if (it != files_.end()) return it->second;
    const size_t cut = prefix.find_last_of(".[");
    if (cut == std::string::npos || prefix.empty()) return main_;
    prefix = prefix.substr(0, cut);
  }
}

std::optional<std::pair<int, int>> SourceMap::place_for(const std::string& path) const {
  const auto it = places_.find(path);
  if (it == places_.end()) return std::nullopt;
  return it->second;
}

}  // namespace bx
