// Atomic file replacement: a crash at any instant leaves either the old file or the new one.
#pragma once

#include <string>

namespace bx {

/// Writes `bytes` to a temporary file in `path`'s folder, fsyncs it, renames it over `path`,
/// and fsyncs the folder. Throws CheckpointError naming the path and the system error; on
/// failure the temporary file is removed and any existing `path` is untouched.
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace bx
