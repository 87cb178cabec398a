// Atomic file replacement: a crash at any instant leaves either the old file or the new one.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace bx {

/// Appends bytes to the file being written.
using WriteBytes = std::function<void(const char* data, size_t size)>;

/// ConfigError unless `path` is a regular file or nothing yet: a device (/dev/full), a FIFO, a
/// socket, a folder or a symbolic link is never replaced by a file; an empty path is an error.
void require_regular_or_absent(const std::string& path);

/// Calls `produce` with a writer into a temporary file in `path`'s folder (so a large file is
/// streamed, never held in memory whole), fsyncs it, renames it over `path`, and fsyncs the
/// folder. Throws ConfigError for a path require_regular_or_absent refuses, CheckpointError naming
/// the path and the system error for a failed write; on any failure,
/// `produce`'s own included, the temporary file is removed and an existing `path` is untouched.
void write_file_atomically(const std::string& path, const std::function<void(const WriteBytes&)>& produce);

/// The same for bytes already in memory.
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace bx
