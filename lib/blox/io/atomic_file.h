// Atomic file replacement: a crash at any instant leaves either the old file or the new one.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace bx {

/// Appends bytes to the file being written.
using WriteBytes = std::function<void(const char* data, size_t size)>;

/// Calls `produce` with a writer into a temporary file in `path`'s folder (so a large file is
/// streamed, never held in memory whole), fsyncs it, renames it over `path`, and fsyncs the
/// folder. Throws CheckpointError naming the path and the system error; on any failure,
/// `produce`'s own included, the temporary file is removed and an existing `path` is untouched.
void write_file_atomically(const std::string& path, const std::function<void(const WriteBytes&)>& produce);

/// The same for bytes already in memory.
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace bx
