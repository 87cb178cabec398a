// The fuzzed bytes as a file: blox's readers take paths, as the CLI gives them.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

namespace bx::fuzz {

/// `name` in a folder of this process's own (in memory where /dev/shm exists), rewritten with
/// each input.
inline std::string write_input(const uint8_t* data, size_t size, const std::string& name) {
  static const std::string dir = [] {
    const std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string path = base + "/blox_fuzz_" + std::to_string(getpid());
    mkdir(path.c_str(), 0700);
    return path;
  }();
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                static_cast<std::streamsize>(size));
  return path;
}

}  // namespace bx::fuzz
