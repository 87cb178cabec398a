// Hard links make `last` and `best` independent of pruning: the data lives while a name does.
#include "blox/io/run_directory.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

namespace fs = std::filesystem;

namespace run_files {
std::string config(const std::string& dir) { return (fs::path(dir) / "config.yaml").string(); }
std::string metrics_log(const std::string& dir) { return (fs::path(dir) / "metrics.jsonl").string(); }
std::string metrics_table(const std::string& dir) { return (fs::path(dir) / "metrics.csv").string(); }
std::string last_checkpoint(const std::string& dir) { return (fs::path(dir) / "last.safetensors").string(); }
std::string best_checkpoint(const std::string& dir) { return (fs::path(dir) / "best.safetensors").string(); }
std::string lock(const std::string& dir) { return (fs::path(dir) / ".lock").string(); }
}  // namespace run_files

namespace {

std::string numbered(const std::string& dir, int64_t step) {
  return (fs::path(dir) / fmt::format("ckpt-{:09d}.safetensors", step)).string();
}

// link(target) under a temporary name, then rename over `name`: atomic replacement.
void link_atomically(const std::string& target, const std::string& name) {
  const std::string temp = name + ".tmp-link";
  ::unlink(temp.c_str());
  if (::link(target.c_str(), temp.c_str()) != 0 || std::rename(temp.c_str(), name.c_str()) != 0) {
    throw CheckpointError(fmt::format("{}: cannot point it at {}: {}", name, target, std::strerror(errno)));
  }
}

// The ckpt-<step>.safetensors files in `dir`, oldest first (the zero-padded names sort by step).
std::vector<std::string> numbered_checkpoints(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("ckpt-", 0) == 0 && entry.path().extension() == ".safetensors") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

void save_run_checkpoint(const std::string& dir, const Checkpoint& checkpoint, int64_t keep_last) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw CheckpointError(fmt::format("{}: cannot create the run directory: {}", dir, ec.message()));
  const std::string file = numbered(dir, checkpoint.step);
  save_checkpoint(file, checkpoint);
  link_atomically(file, run_files::last_checkpoint(dir));
  const std::vector<std::string> numbered_files = numbered_checkpoints(dir);
  const auto excess = static_cast<int64_t>(numbered_files.size()) - keep_last;
  for (int64_t i = 0; i < excess; ++i) fs::remove(numbered_files[static_cast<size_t>(i)]);
}

void mark_best_checkpoint(const std::string& dir, int64_t step) {
  link_atomically(numbered(dir, step), run_files::best_checkpoint(dir));
}

void require_no_earlier_run(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<std::string> found = numbered_checkpoints(dir);
  for (const std::string& file : {run_files::last_checkpoint(dir), run_files::metrics_log(dir)}) {
    if (fs::exists(file, ec)) found.push_back(file);
  }
  if (!found.empty()) {
    throw ConfigError(fmt::format(
        "checkpoint.dir '{}' already holds a run ({}); a new run would overwrite it; hint: continue it with "
        "--resume {}, or start a new one elsewhere with --set checkpoint.dir=OTHER",
        dir, fs::path(found.front()).filename().string(), dir));
  }
}

bool holds_checkpoint(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) &&
         (fs::exists(run_files::last_checkpoint(dir), ec) || !numbered_checkpoints(dir).empty());
}

std::vector<std::string> resume_candidates(const std::string& dir_or_file) {
  std::error_code ec;
  if (!fs::is_directory(dir_or_file, ec)) {
    if (!fs::exists(dir_or_file, ec)) throw CheckpointError(fmt::format("{}: no such checkpoint or run directory", dir_or_file));
    return {dir_or_file};
  }
  const std::vector<std::string> numbered_files = numbered_checkpoints(dir_or_file);
  std::vector<std::string> out;
  const std::string last = run_files::last_checkpoint(dir_or_file);
  if (fs::exists(last)) out.push_back(last);
  out.insert(out.end(), numbered_files.rbegin(), numbered_files.rend());  // newest first
  if (out.empty()) throw CheckpointError(fmt::format("{}: no checkpoint to resume from", dir_or_file));
  return out;
}

}  // namespace bx
