// POSIX temp + fsync + rename + fsync(dir): the rename is the commit point.
#include "blox/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw CheckpointError(fmt::format("{}: {}: {}", path, what, std::strerror(error)));
}

// The process's umask, read without changing it (umask() would, for every thread at once).
mode_t process_umask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  }
  return 022;
}

// The temporary file until it is renamed: closed and removed if anything throws first.
class TempFile {
 public:
  explicit TempFile(const std::filesystem::path& dir, const std::string& target) : target_(target) {
    name_ = (dir / ("." + std::filesystem::path(target).filename().string() + ".tmp-XXXXXX")).string();
    fd_ = ::mkstemp(name_.data());
    if (fd_ < 0) fail("cannot create a temporary file in its folder", target_, errno);
    // mkstemp makes it 0600; the file it becomes is an ordinary one: 0666 less the umask.
    static const mode_t mode = 0666 & ~process_umask();
    if (::fchmod(fd_, mode) != 0) fail("cannot set the file's permissions", target_, errno);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(name_.c_str());
  }

  void write(const char* data, size_t size) {
    while (size > 0) {
      const ssize_t n = ::write(fd_, data, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("write failed", target_, errno);
      }
      data += n;
      size -= static_cast<size_t>(n);
    }
  }

  void commit() {
    if (::fsync(fd_) != 0) fail("fsync failed", target_, errno);
    const int closed = ::close(fd_);
    fd_ = -1;
    if (closed != 0) fail("close failed", target_, errno);
    if (std::rename(name_.c_str(), target_.c_str()) != 0) fail("rename failed", target_, errno);
    committed_ = true;
  }

 private:
  std::string target_, name_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

void require_regular_or_absent(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw ConfigError("an output path is empty; name a file");
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status) || fs::is_regular_file(status)) return;
  const char* kind = fs::is_directory(status)           ? "a directory"
                     : fs::is_symlink(status)           ? "a symbolic link"
                     : fs::is_character_file(status)    ? "a character device"
                     : fs::is_block_file(status)        ? "a block device"
                     : fs::is_fifo(status)              ? "a FIFO"
                     : fs::is_socket(status)            ? "a socket"
                                                        : "not a regular file";
  throw ConfigError(fmt::format("{}: is {}; blox writes its files by replacing a regular file, and replaces "
                                "nothing else; hint: name a new or regular file",
                                path, kind));
}

void write_file_atomically(const std::string& path, const std::function<void(const WriteBytes&)>& produce) {
  namespace fs = std::filesystem;
  require_regular_or_absent(path);
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  {
    TempFile temp(dir, path);
    produce([&temp](const char* data, size_t size) { temp.write(data, size); });
    temp.commit();
  }
  // The rename is durable only once the folder's entry is on disk.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  write_file_atomically(path, [&bytes](const WriteBytes& write) { write(bytes.data(), bytes.size()); });
}

}  // namespace bx
