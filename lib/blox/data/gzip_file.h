// Files read through zlib's gz* API, which reads raw and gzip-compressed files alike.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <zlib.h>

namespace bx {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

/// Opens `path` for reading; throws DataError naming it when it cannot be opened.
GzFile open_gz(const std::string& path);

/// Reads exactly n bytes; returns how many were read (less only at the end of the data). A
/// gzip stream that ends early (a missing trailer included) or fails its check is a DataError.
size_t read_gz_bytes(gzFile file, void* out, size_t n, const std::string& path);

/// The whole (decompressed) content of `path`, refused past `max_bytes` (a gzip bomb or a
/// file that is not what the config says).
std::string read_gz_file(const std::string& path, size_t max_bytes);

}  // namespace bx
