// Runs that survive their launcher's restarts: --resume auto, and what a torchrun restart or a
// SLURM requeue implies (the same command line run again resumes what it started).
#include <signal.h>

#include <random>
#include <sstream>

#include "blox/io/checkpoint.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

namespace {

// The plain subset MLP, 20 steps an epoch, a checkpoint every 100 steps.
void write_mlp(const fs::path& dir, int epochs) { write(dir / "mlp.yaml", plain_mlp_config(epochs, 100)); }

// Starts `blox train mlp.yaml` in `dir`, kills it with SIGKILL once its checkpoint of step 100
// is written, and returns its last checkpoint's step.
int64_t killed_after_a_checkpoint(const fs::path& dir) {
  const pid_t pid = spawn_blox(dir, {"train", "mlp.yaml", "--quiet"});
  wait_for_file(dir / "run" / "ckpt-000000100.safetensors");
  ::kill(pid, SIGKILL);
  REQUIRE(exit_code(pid) == -1);  // killed, not finished
  return last_checkpoint(dir / "run").step;
}

// The blox processes working in `dir` (their working directory): a test's own workers, not the
// workers of tests running beside it.
std::vector<pid_t> blox_processes_in(const fs::path& dir) {
  std::vector<pid_t> found;
  std::istringstream pids(run_command("pgrep -f '^" + std::string(BLOX_BINARY) + " '").output);
  for (std::string line; std::getline(pids, line);) {
    if (line.empty()) continue;
    std::error_code ec;
    const fs::path cwd = fs::read_symlink("/proc/" + line + "/cwd", ec);
    if (!ec && fs::equivalent(cwd, dir, ec)) found.push_back(std::stoi(line));
  }
  return found;
}

}  // namespace

TEST_CASE("--resume auto: a missing or empty checkpoint.dir starts the run, its own run resumes, another config is refused") {
  RunDir dir;
  write_mlp(dir.path, 2);
  const Result fresh = blox(dir.path, "train mlp.yaml --quiet --resume auto");
  REQUIRE_MESSAGE(fresh.exit_code == 0, fresh.output);
  CHECK_MESSAGE(fresh.output.find("--resume auto: run holds no run yet: starting it") != std::string::npos, fresh.output);
  CHECK(last_checkpoint(dir.path / "run").step == 40);

  fs::create_directories(dir.path / "empty");
  const Result empty = blox(dir.path, "train mlp.yaml --quiet --resume auto --set checkpoint.dir=empty");
  REQUIRE_MESSAGE(empty.exit_code == 0, empty.output);
  CHECK(last_checkpoint(dir.path / "empty").step == 40);

  // Another config over the same directory: refused as a --resume of it is, nothing written.
  const auto before = fs::last_write_time(dir.path / "run" / "last.safetensors");
  const Result other = blox(dir.path, "train mlp.yaml --quiet --resume auto --set optimizer.learning_rate=0.5");
  CHECK(other.exit_code == 2);
  CHECK_MESSAGE(other.output.find("the config differs from the run's") != std::string::npos, other.output);
  CHECK(fs::last_write_time(dir.path / "run" / "last.safetensors") == before);

  // A resume target that does not exist is bad usage, as a CONFIG that does not is.
  const Result missing = blox(dir.path, "train mlp.yaml --resume no-such-run");
  CHECK(missing.exit_code == 2);
  CHECK_MESSAGE(missing.output.find("no-such-run") != std::string::npos, missing.output);
  const Result no_config = blox(dir.path, "train --resume auto");
  CHECK(no_config.exit_code == 2);
  CHECK_MESSAGE(no_config.output.find("--resume auto: a CONFIG is required") != std::string::npos, no_config.output);
}

TEST_CASE("--resume auto: a killed run resumes and ends bitwise where the uninterrupted run ends; a finished one exits 0") {
  RunDir straight, killed;
  write_mlp(straight.path, 100);
  write_mlp(killed.path, 100);
  REQUIRE(blox(straight.path, "train mlp.yaml --quiet").exit_code == 0);
  CHECK(killed_after_a_checkpoint(killed.path) >= 80);  // last may still point at the one before
  const Result resumed = blox(killed.path, "train mlp.yaml --quiet --resume auto");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  CHECK(resumed.output.find("--resume auto: resuming the run in run") != std::string::npos);
  const Checkpoint a = last_checkpoint(straight.path / "run"), b = last_checkpoint(killed.path / "run");
  CHECK(b.step == 2000);
  CHECK(bitwise_equal(b.params, a.params));
  CHECK(bitwise_equal(b.optimizer, a.optimizer));

  // Requeued once more after it finished: nothing is trained, nothing written, exit 0.
  const size_t rows = lines(killed.path / "run" / "metrics.jsonl");
  const auto before = fs::last_write_time(killed.path / "run" / "last.safetensors");
  const Result again = blox(killed.path, "train mlp.yaml --resume auto");
  CHECK(again.exit_code == 0);
  CHECK_MESSAGE(again.output.find("run: the run is already finished (step 2000, 100 of 100 epochs): nothing left to train") !=
                    std::string::npos,
                again.output);
  CHECK(lines(killed.path / "run" / "metrics.jsonl") == rows);
  CHECK(fs::last_write_time(killed.path / "run" / "last.safetensors") == before);
}

TEST_CASE("a SLURM requeue (SLURM_RESTART_COUNT) runs the same command again: it resumes, bitwise") {
  RunDir straight, requeued;
  write_mlp(straight.path, 100);
  write_mlp(requeued.path, 100);
  REQUIRE(blox(straight.path, "train mlp.yaml --quiet").exit_code == 0);
  // The first start has no restart count; the requeued job's does, and the same command line.
  CHECK(killed_after_a_checkpoint(requeued.path) >= 80);
  const Result again = run_command("cd '" + requeued.path.string() + "' && SLURM_RESTART_COUNT=1 OPENBLAS_NUM_THREADS=1 '" +
                                   std::string(BLOX_BINARY) + "' train mlp.yaml --quiet 2>&1");
  REQUIRE_MESSAGE(again.exit_code == 0, again.output);
  CHECK_MESSAGE(again.output.find("SLURM's requeue 1 (SLURM_RESTART_COUNT): resuming the run in run") != std::string::npos,
                again.output);
  CHECK(bitwise_equal(last_checkpoint(requeued.path / "run").params, last_checkpoint(straight.path / "run").params));
}

TEST_CASE("torchrun --max_restarts=2: a worker killed twice at random steps; the run finishes bitwise as never killed") {
  if (run_command("command -v torchrun").exit_code != 0) {
    return skip_missing("torchrun (Debian's python3-torch) is not installed");
  }
  RunDir straight, restarted;
  // 100 epochs of 20 steps, a checkpoint every 50: long enough to be killed twice.
  const std::string config = plain_mlp_config(100, 50) + "dist: {timeout_seconds: 20}\n";
  write(straight.path / "mlp.yaml", config);
  write(restarted.path / "mlp.yaml", config);
  const Result reference = blox(straight.path, "train mlp.yaml --quiet --nproc 2");
  REQUIRE_MESSAGE(reference.exit_code == 0, reference.output);

  const std::string binary = BLOX_BINARY;
  const pid_t torchrun = spawn_program(restarted.path, "/bin/sh",
                                       {"-c", "exec torchrun --standalone --nproc_per_node=2 --max_restarts=2 "
                                              "--monitor_interval=0.1 --redirects 1 --tee 1 --no_python '" + binary +
                                                  "' train mlp.yaml --quiet"});
  std::mt19937 random(std::random_device{}());
  int64_t after = 0;
  for (int kill = 0; kill < 2; ++kill) {
    // A worker of this attempt, killed a random 0-150 ms after a checkpoint past the last kill's.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    int64_t step = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      std::error_code ec;
      if (fs::exists(restarted.path / "run" / "last.safetensors", ec)) {
        try {
          step = last_checkpoint(restarted.path / "run").step;
        } catch (const std::exception&) {
          step = 0;  // replaced while read
        }
      }
      if (step > after + 20) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(step > after + 20);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 150)(random)));
    std::vector<pid_t> workers = blox_processes_in(restarted.path);
    for (int tries = 0; workers.size() != 2 && tries < 1000; ++tries) {  // a worker may be starting
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      workers = blox_processes_in(restarted.path);
    }
    REQUIRE_MESSAGE(workers.size() == 2, read(restarted.path / "output.txt"));
    ::kill(workers[std::uniform_int_distribution<size_t>(0, 1)(random)], SIGKILL);
    after = step;
    MESSAGE("killed a worker after step " << step);
  }
  const int code = exit_code(torchrun);
  const std::string output = read(restarted.path / "output.txt");
  INFO(output);
  REQUIRE(code == 0);
  CHECK(output.find("torchrun's restart 2 (TORCHELASTIC_RESTART_COUNT): resuming the run in run") != std::string::npos);
  const Checkpoint a = last_checkpoint(straight.path / "run"), b = last_checkpoint(restarted.path / "run");
  CHECK(b.step == 2000);
  CHECK(bitwise_equal(b.params, a.params));
  CHECK(bitwise_equal(b.optimizer, a.optimizer));
}
