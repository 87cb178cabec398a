// Temporary files for the data tests, and the paths of the shipped datasets.
#pragma once

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace bx::test {

inline std::string source_path(const std::string& relative) { return std::string(BLOX_SOURCE_DIR) + "/" + relative; }

/// A file under $TMPDIR (or /tmp) holding `bytes`, removed when this object goes.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& bytes)
      : path_(std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/blox_test_" + name) {
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// An IDX file of unsigned bytes with the given dims and data.
inline std::string idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::string out{0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((d >> shift) & 0xff);
  }
  out.append(data.begin(), data.end());
  return out;
}

}  // namespace bx::test
