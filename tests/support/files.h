// Temporary files for the data tests, and the paths of the shipped datasets.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace bx::test {

/// `name`'s value, or `compiled` where it is unset or empty: a packed copy of the suite (the GPU
/// kit, scripts/gpu/check) runs elsewhere than where it was built.
inline std::string compiled_or_env(const char* name, const char* compiled) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : compiled;
}

/// The repository the tests read (BLOX_SOURCE_DIR as compiled, or $BLOX_TEST_SOURCE_DIR).
inline std::string source_path(const std::string& relative) {
  return compiled_or_env("BLOX_TEST_SOURCE_DIR", BLOX_SOURCE_DIR) + "/" + relative;
}

/// The blox binary the CLI tests run (BLOX_BINARY as compiled, or $BLOX_TEST_BINARY).
inline std::string blox_binary() { return compiled_or_env("BLOX_TEST_BINARY", BLOX_BINARY); }

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
