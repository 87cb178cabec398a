// Rename rules for param paths (fine-tuning from a checkpoint whose layers had other names).
#pragma once

#include <optional>
#include <string>

namespace bx {

/// True for a prefix rule "a/b/**" -> "c/**": both end in "/**" and `from`'s prefix has no
/// wildcard, so the rest of each path carries over.
bool is_prefix_rename(const std::string& from, const std::string& to);

/// The new name of `path` under the rule (from, to), or nullopt when `from` does not match it.
/// A prefix rule swaps the prefix; otherwise `from` is a glob (see glob_match) and `to` the
/// whole new path.
std::optional<std::string> apply_rename(const std::string& from, const std::string& to, const std::string& path);

}  // namespace bx
