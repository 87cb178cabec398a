#include "blox/core/file_text.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace bx {

std::optional<std::string> read_file_text(const std::string& path, std::string* why) {
  const auto fail = [why](const std::string& reason) -> std::optional<std::string> {
    if (why != nullptr) *why = reason;
    return std::nullopt;
  };
  std::error_code ec;
  // An ifstream opens a folder and then reads nothing.
  if (std::filesystem::is_directory(path, ec)) return fail("is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::strerror(errno));
  std::string text;
  // One read of the whole file where its size is known (image files: most of a batch's reading).
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.clear();  // a pipe or a character device cannot seek: read it as a stream
  in.seekg(0, std::ios::beg);
  in.clear();
  if (size > 0) {
    text.resize(static_cast<size_t>(size));
    in.read(text.data(), size);
    text.resize(static_cast<size_t>(in.gcount()));
    if (in.gcount() == size) text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (in.bad()) return fail(std::strerror(errno));
  return text;
}

}  // namespace bx
