#include "blox/io/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "blox/core/file_text.h"
#include "blox/core/errors.h"
#include "blox/io/run_directory.h"

namespace bx {
namespace fs = std::filesystem;

void require_usable_run_directory(const std::string& dir) {
  if (dir.empty()) throw ConfigError("checkpoint.dir: expected a directory, got \"\"");
  // The directory itself, or the nearest folder above it that exists (where it will be made).
  std::error_code ec;
  fs::path existing = fs::absolute(dir, ec);
  while (!fs::exists(existing, ec) && existing.has_parent_path() && existing != existing.parent_path()) {
    existing = existing.parent_path();
  }
  if (!fs::is_directory(existing, ec)) {
    throw ConfigError(fmt::format("checkpoint.dir '{}': '{}' is a file, not a folder", dir, existing.string()));
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    throw ConfigError(fmt::format("checkpoint.dir '{}': cannot write in '{}': {}", dir, existing.string(),
                                  std::strerror(errno)));
  }
}

RunLock::RunLock(const std::string& dir) {
  require_usable_run_directory(dir);
  std::error_code ec;
  dir_ = dir;
  for (fs::path missing = dir; !missing.empty() && !fs::exists(missing, ec); missing = missing.parent_path()) {
    created_.push_back(missing);
  }
  fs::create_directories(dir, ec);
  if (ec) throw ConfigError(fmt::format("checkpoint.dir '{}': cannot create it: {}", dir, ec.message()));
  const std::string path = run_files::lock(dir);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw ConfigError(fmt::format("checkpoint.dir '{}': cannot write in it: {}", dir, std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::string holder = read_file_text(path).value_or("");
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw ConfigError(fmt::format("checkpoint.dir '{}' is in use by another blox train (pid {}); hint: wait for it "
                                    "to finish, or --set checkpoint.dir=... for a separate run",
                                    dir, holder.empty() ? "unknown" : holder));
    }
    throw ConfigError(fmt::format("checkpoint.dir '{}': cannot lock {}: {}", dir, path, std::strerror(error)));
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::write(fd_, pid.data(), pid.size()) != static_cast<ssize_t>(pid.size())) {
    // The lock holds without the pid; only the message of a refused second trainer is poorer.
  }
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  if (!created_.empty()) {
    try {  // a destructor: a folder that cannot be read or removed is left as it is
      std::error_code ec;
      const bool lock_alone = std::distance(fs::directory_iterator(dir_, ec), fs::directory_iterator()) == 1;
      if (!ec && lock_alone && fs::remove(run_files::lock(dir_), ec)) {
        for (const fs::path& folder : created_) {
          if (!fs::remove(folder, ec)) break;  // not empty (or not removable): kept, with what is above it
        }
      }
    } catch (const std::exception&) {
    }
  }
  ::close(fd_);  // releases the lock
}

int remove_partial_saves(const std::string& dir) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool temp_file = name.rfind('.', 0) == 0 && name.find(".tmp-") != std::string::npos;
    const bool temp_link = name.size() > 9 && name.compare(name.size() - 9, 9, ".tmp-link") == 0;
    if ((temp_file || temp_link) && entry.is_regular_file(ec) && fs::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace bx
