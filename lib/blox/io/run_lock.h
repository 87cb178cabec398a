// RunLock: one trainer per run directory. Two trainers on one directory would interleave their
// metrics and prune each other's checkpoints; the second is refused at once, naming the first.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace bx {

/// Throws ConfigError unless `dir` can be a run directory: not empty, not a file, and either a
/// writable directory or creatable inside the nearest existing, writable folder above it.
/// Creates nothing (`blox validate` asks it before train would).
void require_usable_run_directory(const std::string& dir);

class RunLock {
 public:
  /// Creates `dir` if needed and takes an exclusive lock (flock) on `dir`/.lock for this
  /// object's life; the kernel drops it when the process dies, however it dies. A run that
  /// ends with nothing but the lock in a directory this lock created (it failed to start)
  /// leaves no directory behind. Throws
  /// ConfigError naming the holder's pid when another process holds it, and when `dir` cannot
  /// be a run directory (require_usable_run_directory).
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
  std::string dir_;
  std::vector<std::filesystem::path> created_;  ///< the folders this lock made, deepest first
};

/// Removes what a save killed midway left in `dir` (the atomic writer's `.NAME.tmp-XXXXXX`
/// files and `NAME.tmp-link`); returns how many. Call under the RunLock only.
int remove_partial_saves(const std::string& dir);

}  // namespace bx
