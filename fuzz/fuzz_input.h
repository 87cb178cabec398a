// The fuzzed bytes as a file: blox's readers take paths, as the CLI gives them.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace bx::fuzz {

/// A folder of this process's own (in memory where /dev/shm exists), removed at exit.
class InputDir {
 public:
  InputDir() : path_(std::string(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/blox_fuzz_" +
                     std::to_string(getpid())) {
    mkdir(path_.c_str(), 0700);
  }
  ~InputDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// `name` in this process's input folder, rewritten with each input.
inline std::string write_input(const uint8_t* data, size_t size, const std::string& name) {
  static const InputDir dir;
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                static_cast<std::streamsize>(size));
  return path;
}

}  // namespace bx::fuzz
