// Helpers of the end-to-end training tests: run directories, the subset MLP config, running
// blox in the foreground or the background, waiting for files.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "blox/io/checkpoint.h"
#include "support/temp_dir.h"
#include "support/cli_runner.h"
#include "support/skip.h"
#include "support/files.h"

extern char** environ;

namespace bx::test {

namespace fs = std::filesystem;

using Result = test::CommandResult;

// Runs blox in `dir` with one thread everywhere, so runs are bitwise reproducible.
inline Result blox(const fs::path& dir, const std::string& args) { return test::run_blox(args, dir.string()); }

struct RunDir : TempDir {
  RunDir() : TempDir("train") {}
};

inline std::string mlp_config(int epochs, int every_steps, const std::string& extra = "") {
  const std::string s = test::source_path("datasets/fashion-mnist-subset/");
  return "seed: 3\nthreads: 1\n"
         "data:\n  format: idx\n  train: " + s + "train-images-idx3-ubyte.gz\n  train_labels: " + s +
         "train-labels-idx1-ubyte.gz\n  test: " + s + "t10k-images-idx3-ubyte.gz\n  test_labels: " + s +
         "t10k-labels-idx1-ubyte.gz\n  classes: 10\n  batch_size: 50\n  transforms:\n"
         "    - {type: random_horizontal_flip}\n    - {type: normalize, mean: [0.286], std: [0.353]}\n"
         "model:\n  layers:\n    - {type: flatten}\n    - {type: linear, name: hidden, output_size: 32}\n"
         "    - {type: relu}\n    - {type: dropout, rate: 0.2}\n    - {type: linear, name: logits, output_size: classes}\n"
         "optimizer: {type: adam, learning_rate: 0.003}\n"
         "train: {epochs: " + std::to_string(epochs) + ", log_every_steps: 0}\n"
         "checkpoint: {dir: run, every_steps: " + std::to_string(every_steps) + ", keep_last: 1000, keep_best: accuracy}\n" +
         extra;
}

inline void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// `config` with its text `from` replaced by `to` (which must be there).
inline std::string edited(std::string config, const std::string& from, const std::string& to) {
  const size_t at = config.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  return config.replace(at, from.size(), to);
}

// mlp_config without dropout or augmentation: the same training whatever the device or the
// process count, up to float summation order (their random streams differ).
inline std::string plain_mlp_config(int epochs, int every_steps) {
  return edited(edited(mlp_config(epochs, every_steps), "    - {type: random_horizontal_flip}\n", ""),
                "    - {type: dropout, rate: 0.2}\n", "");
}

// A finished run in dir/run: the subset MLP trained for `epochs`, from dir/mlp.yaml.
inline void train_mlp(const fs::path& dir, int epochs) {
  write(dir / "mlp.yaml", mlp_config(epochs, 0));
  REQUIRE(blox(dir, "train mlp.yaml --quiet").exit_code == 0);
}

inline std::string read(const fs::path& path) { return read_text(path); }

/// The checkpoint `run`/last.safetensors.
inline Checkpoint last_checkpoint(const fs::path& run) { return load_checkpoint((run / "last.safetensors").string()); }

inline size_t lines(const fs::path& path) {
  const std::string text = read(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Starts `program ARGS...` in `dir` in the background (one BLAS thread), a child of this
// process, its output going to dir/output.txt.
inline pid_t spawn_program(const fs::path& dir, const std::string& binary, const std::vector<std::string>& args) {
  const std::string output = (dir / "output.txt").string();
  std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  const fs::path cwd = fs::current_path();
  fs::current_path(dir);
  ::setenv("OPENBLAS_NUM_THREADS", "1", 1);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, binary.c_str(), &files, nullptr, argv.data(), environ);
  fs::current_path(cwd);
  posix_spawn_file_actions_destroy(&files);
  REQUIRE(spawned == 0);
  return pid;
}

// Starts `blox ARGS...` in `dir` in the background (see spawn_program).
inline pid_t spawn_blox(const fs::path& dir, const std::vector<std::string>& args) {
  return spawn_program(dir, blox_binary(), args);
}

// Starts `blox train CONFIG [--quiet]` in `dir` in the background (see spawn_blox).
inline pid_t spawn_train(const fs::path& dir, const std::string& config, bool quiet = true) {
  std::vector<std::string> args{"train", (dir / config).string()};
  if (quiet) args.push_back("--quiet");
  return spawn_blox(dir, args);
}

// Waits (up to a minute) until `path` exists and, when `text` is given, contains it.
inline void wait_for_file(const fs::path& path, const std::string& text = "") {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto ready = [&] { return fs::exists(path) && (text.empty() || read(path).find(text) != std::string::npos); };
  while (!ready() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(ready());
}

// The exit code of a finished child; -1 when a signal killed it.
inline int exit_code(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The exit code of a finished child (-1 when a signal killed it) and its peak resident set size.
struct Finished {
  int exit_code;
  long peak_rss_kib;
};
inline Finished finish(pid_t pid) {
  int status = 0;
  struct rusage usage {};
  REQUIRE(::wait4(pid, &status, 0, &usage) == pid);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, usage.ru_maxrss};
}

}  // namespace bx::test
