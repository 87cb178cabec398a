// blox sweep end to end on the shipped Fashion-MNIST subset: the ranked summary, a re-run that
// trains nothing, child processes, a SIGINT and the resume of the interrupted trial, and the
// errors that stop a sweep before it trains anything.
#include <signal.h>

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "blox/sweep/grid.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

namespace fs = std::filesystem;
using namespace bx;
using namespace bx::test;

namespace {

// The rows of a sweep's sweep.jsonl, in file order.
std::vector<nlohmann::json> summary_rows(const fs::path& sweep) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(sweep / "sweep.jsonl");
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// The best accuracy of a run's evaluations, read from its metrics.jsonl.
double best_accuracy(const fs::path& run) {
  double best = -1;
  std::ifstream in(run / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto row = nlohmann::json::parse(line);
    if (row.contains("accuracy")) best = std::max(best, row["accuracy"].get<double>());
  }
  return best;
}

// Every file under `dir` with its size and modification time: what a run that trains nothing
// leaves as it was.
int64_t modified(const fs::path& path) { return fs::last_write_time(path).time_since_epoch().count(); }

std::map<std::string, std::pair<uintmax_t, int64_t>> snapshot(const fs::path& dir) {
  std::map<std::string, std::pair<uintmax_t, int64_t>> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files[entry.path().string()] = {entry.file_size(), modified(entry.path())};
  }
  return files;
}

size_t trial_directories(const fs::path& sweep) {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(sweep)) count += entry.is_directory() ? 1 : 0;
  return count;
}

const std::string kGrid = "--grid 'optimizer.learning_rate=[0.0003, 0.01]' --grid 'model.layers[1].output_size=[4,32]'";

}  // namespace

TEST_CASE("blox sweep: a 2x2 grid trains four runs ranked by accuracy; a re-run trains nothing new; another grid is "
          "refused; --jobs 2 gets the same results") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));  // 20 steps a trial
  const Result first = blox(dir.path, "sweep mlp.yaml " + kGrid + " --quiet");
  REQUIRE_MESSAGE(first.exit_code == 0, first.output);
  const fs::path sweep = dir.path / "run-sweep";
  const std::vector<nlohmann::json> rows = summary_rows(sweep);
  REQUIRE(rows.size() == 4);
  CHECK(lines(sweep / "sweep.csv") == 5);
  std::set<std::string> trials;
  for (size_t i = 0; i < rows.size(); ++i) {
    const fs::path run = dir.path / rows[i]["dir"].get<std::string>();
    CAPTURE(run);
    trials.insert(rows[i]["trial"].get<std::string>());
    CHECK(rows[i]["rank"] == i + 1);
    CHECK(rows[i]["status"] == "finished");
    CHECK(rows[i]["steps"] == 20);
    CHECK(rows[i]["best"].get<double>() == best_accuracy(run));  // the run's own record
    if (i > 0) CHECK(rows[i]["best"].get<double>() <= rows[i - 1]["best"].get<double>());
    CHECK(load_checkpoint((run / "last.safetensors").string()).step == 20);
    // Each trial trained its own values.
    const std::string config = read(run / "config.yaml");
    CHECK(config.find("learning_rate: " + rows[i]["overrides"]["optimizer.learning_rate"].get<std::string>() + ",") !=
          std::string::npos);
    CHECK(config.find("name: hidden, output_size: " + rows[i]["overrides"]["model.layers[1].output_size"].get<std::string>() +
                      ",") != std::string::npos);
  }
  CHECK(trials == std::set<std::string>{"trial-001-learning_rate=0.0003-output_size=4",
                                        "trial-002-learning_rate=0.0003-output_size=32",
                                        "trial-003-learning_rate=0.01-output_size=4",
                                        "trial-004-learning_rate=0.01-output_size=32"});
  CHECK(rows.front()["best"].get<double>() > rows.back()["best"].get<double>());  // the grid matters
  CHECK(first.output.find("rank  trial") != std::string::npos);  // the final table

  const auto before = snapshot(sweep);
  const Result again = blox(dir.path, "sweep mlp.yaml " + kGrid + " --quiet");
  REQUIRE_MESSAGE(again.exit_code == 0, again.output);
  CHECK(again.output.find("(0 to train, 4 done)") != std::string::npos);
  auto after = snapshot(sweep);
  for (const char* rewritten : {"sweep.csv", "sweep.jsonl", "sweep.json", ".lock"}) after.erase((sweep / rewritten).string());
  for (const auto& [path, file] : after) {
    const std::string file_path = path;  // clang 14: lambdas (CAPTURE) take variables, not bindings
    CAPTURE(file_path);
    REQUIRE(before.count(path) == 1);
    CHECK(before.at(path) == file);
  }
  CHECK(read(sweep / "sweep.csv").find("1,trial-") != std::string::npos);

  const Result other = blox(dir.path, "sweep mlp.yaml --grid 'optimizer.learning_rate=[0.0003, 0.003]' --grid "
                                      "'model.layers[1].output_size=[4,32]'");
  CHECK(other.exit_code == 2);
  CHECK(other.output.find("--grid optimizer.learning_rate: [0.0003, 0.01] -> [0.0003, 0.003]") != std::string::npos);
  CHECK(trial_directories(sweep) == 4);

  // --jobs 2: each trial a blox train process with its log, the same results.
  const Result parallel = blox(dir.path, "sweep mlp.yaml " + kGrid + " --dir two --jobs 2 --threads 1");
  REQUIRE_MESSAGE(parallel.exit_code == 0, parallel.output);
  const std::vector<nlohmann::json> two = summary_rows(dir.path / "two");
  REQUIRE(two.size() == 4);
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(two[i]["trial"] == rows[i]["trial"]);
    CHECK(two[i]["best"] == rows[i]["best"]);
    CHECK(read(dir.path / "two" / two[i]["trial"].get<std::string>() / "train.log").find("epoch   1  step     20") !=
          std::string::npos);
  }
}

TEST_CASE("blox sweep: SIGINT stops the trial being trained with a checkpoint (exit 130); a re-run resumes it and "
          "trains the rest") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1000, 100));
  const std::vector<std::string> args{"sweep", "mlp.yaml", "--grid", "train.max_steps=[20, 1500, 30]", "--quiet"};
  const pid_t pid = spawn_blox(dir.path, args);
  const fs::path sweep = dir.path / "run-sweep";
  const fs::path interrupted = sweep / "trial-002-max_steps=1500";
  wait_for_file(interrupted / "last.safetensors");
  ::kill(pid, SIGINT);
  REQUIRE(exit_code(pid) == 130);
  CHECK(read(dir.path / "output.txt").find("stopped by SIGINT") != std::string::npos);
  const std::vector<nlohmann::json> stopped = summary_rows(sweep);
  REQUIRE(stopped.size() == 3);
  CHECK(stopped[0]["trial"] == "trial-001-max_steps=20");
  CHECK(stopped[0]["status"] == "finished");
  CHECK(stopped[0]["rank"] == 1);
  CHECK(stopped[1]["status"] == "interrupted");
  CHECK(stopped[1]["rank"].is_null());
  const int64_t saved = load_checkpoint((interrupted / "last.safetensors").string()).step;
  CHECK(saved < 1500);
  CHECK(stopped[1]["steps"] == saved);
  CHECK(stopped[2]["status"] == "pending");
  CHECK_FALSE(fs::exists(sweep / "trial-003-max_steps=30"));

  const fs::path first_save = interrupted / "ckpt-000000020.safetensors";  // every epoch's end
  const int64_t first_saved = modified(first_save);
  const Result resumed = blox(dir.path, "sweep mlp.yaml --grid 'train.max_steps=[20, 1500, 30]' --quiet");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  CHECK(resumed.output.find("(2 to train, 1 done)") != std::string::npos);
  CHECK(resumed.output.find("trial-002-max_steps=1500: resuming at step " + std::to_string(saved)) != std::string::npos);
  CHECK(modified(first_save) == first_saved);  // went on from its checkpoint, not from scratch
  for (const auto& row : summary_rows(sweep)) CHECK(row["status"] == "finished");
  // The resumed trial ends where an uninterrupted run with its settings ends.
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet --set train.max_steps=1500 --set checkpoint.dir=straight").exit_code == 0);
  const Checkpoint straight = load_checkpoint((dir.path / "straight" / "last.safetensors").string());
  const Checkpoint trial = load_checkpoint((interrupted / "last.safetensors").string());
  CHECK(trial.step == 1500);
  CHECK(bitwise_equal(trial.params, straight.params));
  CHECK(lines(interrupted / "metrics.jsonl") == 75);  // one row per epoch of 20 steps: none twice
}

TEST_CASE("blox sweep: a bad --grid, an unknown key, a metric the run does not compute: exit 2, nothing trained or "
          "written") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));
  const std::vector<std::pair<std::string, std::string>> cases{
      {"--grid optimizer.learning_rate=0.001", "--grid 'optimizer.learning_rate=0.001': the values are not a [list]"},
      {"--grid 'optimizer.learning_rate=[0.001,]'", "value 2 of 2 is empty"},
      {"--grid 'optimizer.learnin_rate=[0.001, 0.01]'", "unknown key 'learnin_rate' (hint: did you mean 'learning_rate'?)"},
      {"--grid 'optimizer.learning_rate=[0.001, -1]'", "trial-002-learning_rate=-1 (--set optimizer.learning_rate=-1)"},
      {"--grid 'optimizer.learning_rate=[0.001]' --metric f1", "--metric f1: the run computes loss, accuracy"},
      {"--grid 'optimizer.learning_rate=[0.001]' --metric acuracy", "did you mean 'accuracy'?"},
      {"--grid 'optimizer.learning_rate=[0.001]' --set optimizer.learning_rate=0.1", "both set optimizer.learning_rate"},
      {"--grid 'optimizer.learning_rate=[0.001]' --seed 3", "--seed requires --random"},
      {"--grid 'optimizer.learning_rate=[0.001]' --random 2", "--random 2: expected 1 to 1"},
  };
  for (const auto& [args, expected] : cases) {
    const std::string arguments = args;  // clang 14: lambdas (CAPTURE) take variables, not bindings
    CAPTURE(arguments);
    const Result r = blox(dir.path, "sweep mlp.yaml " + args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.output.find(expected) != std::string::npos, r.output);
    CHECK(r.output.find("Exception raised") == std::string::npos);
    CHECK_FALSE(fs::exists(dir.path / "run-sweep"));
  }
}

TEST_CASE("blox sweep --random 3 --seed 5 --dry-run: three distinct trials of the grid, checked, nothing written") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));
  const std::string grid = "--grid 'optimizer.learning_rate=[0.001,0.003,0.01]' --grid 'train.max_steps=[5,10]'";
  const Result r = blox(dir.path, "sweep mlp.yaml " + grid + " --random 3 --seed 5 --dry-run");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const std::vector<SweepTrial> drawn =
      SweepGrid::parse({"optimizer.learning_rate=[0.001,0.003,0.01]", "train.max_steps=[5,10]"}).random_trials(3, 5);
  for (const SweepTrial& t : drawn) {
    const size_t at = r.output.find(t.name + " ");
    REQUIRE_MESSAGE(at != std::string::npos, r.output);
    CHECK(r.output.substr(at, r.output.find('\n', at) - at).find(" pending ") != std::string::npos);
  }
  CHECK(r.output.find("trial-004") == std::string::npos);
  CHECK(r.output.find("3 trials in run-sweep (3 to train, 0 done)") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path / "run-sweep"));
}
