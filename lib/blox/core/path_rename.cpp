#include "blox/core/path_rename.h"

#include "blox/core/glob.h"

namespace bx {
namespace {

constexpr std::string_view kTail = "/**";

bool ends_with_tail(const std::string& s) {
  return s.size() >= kTail.size() && s.compare(s.size() - kTail.size(), kTail.size(), kTail) == 0;
}

}  // namespace

bool is_prefix_rename(const std::string& from, const std::string& to) {
  if (!ends_with_tail(from) || !ends_with_tail(to)) return false;
  const std::string prefix = from.substr(0, from.size() - 2), target = to.substr(0, to.size() - 2);
  return prefix.find_first_of("*?") == std::string::npos && target.find_first_of("*?") == std::string::npos;
}

std::optional<std::string> apply_rename(const std::string& from, const std::string& to, const std::string& path) {
  if (is_prefix_rename(from, to)) {
    const std::string prefix = from.substr(0, from.size() - 2);  // keeps the '/'
    if (path.compare(0, prefix.size(), prefix) != 0 || path.size() == prefix.size()) return std::nullopt;
    return to.substr(0, to.size() - 2) + path.substr(prefix.size());
  }
  if (!glob_match(from, path)) return std::nullopt;
  return to;
}

}  // namespace bx
