#include "blox/data/gzip_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {
namespace {

// zlib's message for the file's error, without the path it puts in front.
std::string gz_message(gzFile file, const std::string& path) {
  int code = 0;
  const std::string message = gzerror(file, &code);
  return message.rfind(path + ": ", 0) == 0 ? message.substr(path.size() + 2) : message;
}

}  // namespace

GzFile open_gz(const std::string& path) {
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) throw DataError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  return file;
}

size_t read_gz_bytes(gzFile file, void* out, size_t n, const std::string& path) {
  size_t done = 0;
  auto* bytes = static_cast<unsigned char*>(out);
  while (done < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
    const int got = gzread(file, bytes + done, chunk);
    int code = Z_OK;
    gzerror(file, &code);
    if (got < 0 || code != Z_OK) {
      throw DataError(fmt::format("{}: damaged gzip data: {}; hint: `gzip -t` checks the file", path,
                                  gz_message(file, path)));
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

std::string read_gz_file(const std::string& path, size_t max_bytes) {
  const GzFile file = open_gz(path);
  std::string text;
  constexpr size_t kChunk = size_t{1} << 20;
  // Not zero-filled: a small file touches only the pages it fills (a resize would clear 1 MiB).
  const std::unique_ptr<char[]> chunk(new char[kChunk]);
  while (true) {
    const size_t got = read_gz_bytes(file.get(), chunk.get(), kChunk, path);
    text.append(chunk.get(), got);
    if (got < kChunk) break;
    if (text.size() > max_bytes) {
      throw DataError(fmt::format("{}: larger than {} MiB of text; expected a table of numbers", path, max_bytes >> 20));
    }
  }
  return text;
}

}  // namespace bx
