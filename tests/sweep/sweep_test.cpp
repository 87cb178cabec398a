// blox sweep's library parts: --grid parsing, trial enumeration and naming, seeded draws, the
// sweep record, a trial directory's state and score, the ranked summary.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/sweep/definition.h"
#include "blox/sweep/grid.h"
#include "blox/sweep/summary.h"
#include "blox/sweep/trial.h"

#include "support/temp_dir.h"

using namespace bx;
namespace fs = std::filesystem;

namespace {

using bx::test::TempDir;

void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

std::string read(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The ConfigError message of `f`, or "" when it throws none.
template <typename F>
std::string config_error(F f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> names(const std::vector<SweepTrial>& trials) {
  std::vector<std::string> out;
  for (const SweepTrial& t : trials) out.push_back(t.name);
  return out;
}

}  // namespace

TEST_CASE("parse_grid_axis: values split at top-level commas, kept as YAML text; the key normalized") {
  const GridAxis lr = parse_grid_axis("optimizer.learning_rate=[1e-3, 0.003 ,0.01]");
  CHECK(lr.key == "optimizer.learning_rate");
  CHECK(lr.values == std::vector<std::string>{"1e-3", "0.003", "0.01"});
  const GridAxis nested = parse_grid_axis("model.layers.1.output_size=[[1, 2], {a: 'x,y'}, \"q\\\",\", 'it''s,']");
  CHECK(nested.key == "model.layers[1].output_size");
  CHECK(nested.values == std::vector<std::string>{"[1, 2]", "{a: 'x,y'}", "\"q\\\",\"", "'it''s,'"});
  CHECK(parse_grid_axis("seed=[7]").values == std::vector<std::string>{"7"});
}

TEST_CASE("parse_grid_axis: bad syntax is a ConfigError naming the argument and the expected form") {
  for (const char* bad : {"optimizer.learning_rate", "optimizer.learning_rate=0.1", "optimizer.learning_rate=[0.1",
                          "optimizer.learning_rate=[0.1,,0.2]", "optimizer.learning_rate=[]", "=[1,2]", "a..b=[1]",
                          "x=[[1,2]", "x=[1]]", "x=['a]", "x=[{a: 1]}]"}) {
    CAPTURE(bad);
    const std::string message = config_error([&] { parse_grid_axis(bad); });
    CHECK(contains(message, std::string("--grid '") + bad + "'"));
    CHECK(contains(message, "expected KEY=[v1,v2,...]"));
  }
}

TEST_CASE("SweepGrid: no axis, a key twice (in either spelling) or checkpoint.dir are refused") {
  CHECK(contains(config_error([] { SweepGrid::parse({}); }), "no --grid"));
  CHECK(contains(config_error([] { SweepGrid::parse({"model.layers.1.output_size=[8]", "model.layers[1].output_size=[16]"}); }),
                 "model.layers[1].output_size is already an axis"));
  CHECK(contains(config_error([] { SweepGrid::parse({"checkpoint.dir=[a,b]"}); }), "--dir DIR"));
}

TEST_CASE("SweepGrid: a value twice in an axis (as text or as the same number) is refused: it would train one trial twice") {
  CHECK(contains(config_error([] { SweepGrid::parse({"optimizer.learning_rate=[0.01,0.01]"}); }),
                 "the value 0.01 is there twice"));
  CHECK(contains(config_error([] { SweepGrid::parse({"optimizer.learning_rate=[0.01,0.1,1e-2]"}); }),
                 "(0.01 and 1e-2)"));
  CHECK(contains(config_error([] { SweepGrid::parse({"optimizer.type=[adam,sgd,adam]"}); }), "the value adam is there twice"));
  CHECK(SweepGrid::parse({"optimizer.learning_rate=[0.01,0.1]"}).size() == 2);
}

TEST_CASE("SweepGrid: every combination, the first axis slowest, named by number and short key=value") {
  const SweepGrid grid = SweepGrid::parse({"optimizer.learning_rate=[0.001,0.01]", "model.layers[1].output_size=[8,16,32]"});
  CHECK(grid.size() == 6);
  const std::vector<SweepTrial> trials = grid.all_trials();
  REQUIRE(trials.size() == 6);
  CHECK(names(trials) == std::vector<std::string>{
                             "trial-001-learning_rate=0.001-output_size=8", "trial-002-learning_rate=0.001-output_size=16",
                             "trial-003-learning_rate=0.001-output_size=32", "trial-004-learning_rate=0.01-output_size=8",
                             "trial-005-learning_rate=0.01-output_size=16", "trial-006-learning_rate=0.01-output_size=32"});
  CHECK(trials[4].number == 5);
  CHECK(trials[4].overrides() == std::vector<std::string>{"optimizer.learning_rate=0.01", "model.layers[1].output_size=16"});
  // Values that are no file name: quotes and spaces dropped, other characters '_'; an index key keeps its list's name.
  const SweepTrial odd = SweepGrid::parse({"data.transforms[0]=[{type: normalize, mean: [0.5]}]"}).all_trials()[0];
  CHECK(odd.name == "trial-001-transforms0=_type_normalize_mean__0.");
  CHECK(odd.overrides() == std::vector<std::string>{"data.transforms[0]={type: normalize, mean: [0.5]}"});
}

TEST_CASE("SweepGrid::random_trials: distinct, the same for a seed, the same first ones for a larger count") {
  const SweepGrid grid = SweepGrid::parse({"a=[1,2,3,4]", "b=[1,2,3,4,5]"});
  const std::vector<SweepTrial> five = grid.random_trials(5, 7);
  REQUIRE(five.size() == 5);
  std::set<std::vector<std::string>> combos;
  for (const SweepTrial& t : five) combos.insert(t.overrides());
  CHECK(combos.size() == 5);
  for (size_t i = 0; i < five.size(); ++i) CHECK(five[i].number == static_cast<int>(i + 1));
  CHECK(names(grid.random_trials(5, 7)) == names(five));
  const std::vector<SweepTrial> eight = grid.random_trials(8, 7);
  const std::vector<std::string> eight_names = names(eight);
  CHECK(std::vector<std::string>(eight_names.begin(), eight_names.begin() + 5) == names(five));
  CHECK(names(grid.random_trials(5, 8)) != names(five));
  CHECK(grid.random_trials(20, 1).size() == 20);  // the whole grid, in a drawn order
  CHECK(contains(config_error([&] { grid.random_trials(21, 1); }), "--random 21: expected 1 to 20"));
}

TEST_CASE("require_same_sweep: the recorded sweep continues; another one is refused naming each difference") {
  TempDir dir;
  write(dir.path / "c.yaml", "seed: 0\n");
  SweepDefinition d;
  d.config = (dir.path / "c.yaml").string();
  d.sets = {"train.max_steps=5"};
  d.grid = SweepGrid::parse({"optimizer.learning_rate=[0.001,0.01]", "seed=[1,2]"});
  const std::string dir_name = dir.path.string();
  require_same_sweep(dir_name, d);  // nothing recorded yet
  write_sweep_record(dir_name, d);
  require_same_sweep(dir_name, d);

  SweepDefinition other = d;
  other.grid = SweepGrid::parse({"optimizer.learning_rate=[0.001,0.02]", "seed=[1,2]", "train.epochs=[1]"});
  const std::string message = config_error([&] { require_same_sweep(dir_name, other); });
  CHECK(contains(message, "holds another sweep"));
  CHECK(contains(message, "--grid optimizer.learning_rate: [0.001, 0.01] -> [0.001, 0.02]"));
  CHECK(contains(message, "--grid train.epochs: (none) -> [1]"));
  CHECK_FALSE(contains(message, "--grid seed"));
  other = d;
  other.grid = SweepGrid::parse({"seed=[1,2]", "optimizer.learning_rate=[0.001,0.01]"});
  CHECK(contains(config_error([&] { require_same_sweep(dir_name, other); }), "--grid order:"));
  other = d;
  other.sets = {"train.max_steps=6"};
  CHECK(contains(config_error([&] { require_same_sweep(dir_name, other); }), "--set: [train.max_steps=5] -> [train.max_steps=6]"));

  // A random sweep may grow (its first draws are the same trials), not shrink or change its seed.
  d.random = 2;
  d.seed = 4;
  write_sweep_record(dir_name, d);
  other = d;
  other.random = 3;
  require_same_sweep(dir_name, other);
  other.random = 1;
  CHECK(contains(config_error([&] { require_same_sweep(dir_name, other); }), "--random: 2 -> 1"));
  other = d;
  other.seed = 5;
  CHECK(contains(config_error([&] { require_same_sweep(dir_name, other); }), "--seed: 4 -> 5"));
  for (const char* damaged : {"[1, 2]", "{\"random\": \"two\"}", "{\"grid\": [3]}", "not json"}) {
    CAPTURE(damaged);
    write(dir.path / "sweep.json", damaged);
    CHECK(contains(config_error([&] { require_same_sweep(dir_name, d); }), "sweep.json: not a sweep record"));
  }
}

TEST_CASE("A trial directory: pending, interrupted (a run without trial.json), finished or failed; its best and last") {
  TempDir dir;
  const std::string trial = (dir.path / "trial-001").string();
  CHECK(read_trial_state(trial).status == TrialStatus::pending);
  CHECK(read_trial_score(trial, "accuracy").steps == 0);
  fs::create_directories(trial);
  write(fs::path(trial) / "config.yaml", "seed: 0\n");
  write(fs::path(trial) / "metrics.jsonl",
        "{\"step\":10,\"epoch\":1,\"train_loss\":1.0,\"accuracy\":0.5,\"loss\":0.9}\n"
        "{\"step\":15,\"epoch\":1,\"train_loss\":0.9}\n"
        "{\"step\":20,\"epoch\":2,\"train_loss\":0.8,\"accuracy\":0.7,\"loss\":1.1}\n"
        "{\"step\":30,\"epoch\":3,\"train_loss\":0.7,\"accuracy\":0.6,\"loss\":0.8}\n");
  write(fs::path(trial) / "ckpt-000000035.safetensors", "");
  CHECK(read_trial_state(trial).status == TrialStatus::interrupted);
  const TrialScore accuracy = read_trial_score(trial, "accuracy");
  CHECK(accuracy.steps == 35);  // the checkpoint is past the last row
  CHECK(*accuracy.best == 0.7);
  CHECK(accuracy.best_step == 20);
  CHECK(*accuracy.last == 0.6);
  const TrialScore loss = read_trial_score(trial, "loss");  // lower is better
  CHECK(*loss.best == 0.8);
  CHECK(loss.best_step == 30);
  CHECK_FALSE(read_trial_score(trial, "f1").best.has_value());

  mark_trial_done(trial, TrialStatus::finished);
  CHECK(read_trial_state(trial).status == TrialStatus::finished);
  mark_trial_done(trial, TrialStatus::failed, "the loss became nan at step 3");
  CHECK(read_trial_state(trial).status == TrialStatus::failed);
  CHECK(read_trial_state(trial).error == "the loss became nan at step 3");
  write(trial_mark_path(trial), "{\"status\": \"maybe\"}");
  CHECK_THROWS_AS(read_trial_state(trial), DataError);
}

namespace {
TrialResult result(int number, TrialStatus status, std::optional<double> best, const std::string& lr) {
  SweepTrial trial{number, fmt::format("trial-{:03d}", number), {{"optimizer.learning_rate", lr}, {"data.transforms", "[a, \"b\"]"}}};
  TrialResult r{trial, "sweep/" + trial.name, {status, status == TrialStatus::failed ? "boom, at step 3" : ""}, {}};
  r.score.steps = 40;
  r.score.best = best;
  r.score.best_step = best ? 20 : 0;
  r.score.last = best;
  return r;
}
}  // namespace

TEST_CASE("The summary: finished trials ranked by their best value in the metric's direction, then the rest by number") {
  const std::vector<TrialResult> results{
      result(1, TrialStatus::finished, 0.5, "0.1"),      result(2, TrialStatus::interrupted, 0.9, "0.2"),
      result(3, TrialStatus::finished, 0.7, "0.3"),      result(4, TrialStatus::failed, std::nullopt, "0.4"),
      result(5, TrialStatus::finished, 0.5, "0.5"),      result(6, TrialStatus::pending, std::nullopt, "0.6")};
  const nlohmann::ordered_json by_accuracy = sweep_summary_rows(results, "accuracy");
  std::vector<std::string> order;
  for (const auto& row : by_accuracy) order.push_back(row["trial"]);
  CHECK(order == std::vector<std::string>{"trial-003", "trial-001", "trial-005", "trial-002", "trial-004", "trial-006"});
  CHECK(by_accuracy[0]["rank"] == 1);
  CHECK(by_accuracy[2]["rank"] == 3);
  CHECK(by_accuracy[3]["rank"].is_null());  // interrupted: not ranked, though it has a value
  CHECK(by_accuracy[4]["error"] == "boom, at step 3");
  CHECK(by_accuracy[0]["overrides"]["optimizer.learning_rate"] == "0.3");

  const nlohmann::ordered_json by_loss = sweep_summary_rows(results, "loss");  // lower is better
  CHECK(by_loss[0]["trial"] == "trial-001");
  CHECK(by_loss[1]["trial"] == "trial-005");
  CHECK(by_loss[2]["trial"] == "trial-003");

  const std::string csv = sweep_summary_csv(by_accuracy);
  CHECK(csv.substr(0, csv.find('\n')) ==
        "rank,trial,status,steps,best_accuracy,best_step,last_accuracy,optimizer.learning_rate,data.transforms,error");
  CHECK(contains(csv, "\n1,trial-003,finished,40,0.7,20,0.7,0.3,\"[a, \"\"b\"\"]\",\n"));
  CHECK(contains(csv, "\n,trial-004,failed,40,,,,0.4,\"[a, \"\"b\"\"]\",\"boom, at step 3\"\n"));
  const std::string table = sweep_summary_table(by_accuracy);
  CHECK(contains(table, "trial-004: failed: boom, at step 3"));
  CHECK(contains(table, "0.7000"));

  TempDir dir;
  write_sweep_summary(dir.path.string(), by_accuracy);
  CHECK(read(dir.path / "sweep.csv") == csv);
  const std::string jsonl = read(dir.path / "sweep.jsonl");
  CHECK(std::count(jsonl.begin(), jsonl.end(), '\n') == 6);
  CHECK(jsonl.rfind("{\"rank\":1,\"trial\":\"trial-003\",\"dir\":\"sweep/trial-003\",\"status\":\"finished\"", 0) == 0);
}
