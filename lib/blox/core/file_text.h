// Reading a whole file into memory: the one place that does it (configs, run files, data).
#pragma once

#include <optional>
#include <string>

namespace bx {

/// The bytes of `path`, or nothing when it cannot be opened or read (absent, a folder,
/// unreadable); then `why`, when given, receives the reason ("No such file or directory",
/// "is a directory"). Callers throw the error their reader owns.
std::optional<std::string> read_file_text(const std::string& path, std::string* why = nullptr);

}  // namespace bx
