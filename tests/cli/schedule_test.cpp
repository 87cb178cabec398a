// A schedule without total_steps runs over the run's length: train.max_steps, else the epochs
// times the updates per epoch (it trained at lr 0 from step 2 when only max_steps counted).
#include <cmath>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/run_helpers.h"

using namespace bx::test;

namespace {

// The lr of each metrics row, by step.
std::map<int64_t, double> lr_by_step(const fs::path& run) {
  std::map<int64_t, double> out;
  std::istringstream lines(read(run / "metrics.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    const auto row = nlohmann::json::parse(line);
    if (row.contains("lr")) out[row["step"].get<int64_t>()] = row["lr"].get<double>();
  }
  return out;
}

}  // namespace

TEST_CASE("schedule: cosine without total_steps decays over an epoch-bounded run's length, not to 0 at step 2") {
  RunDir dir;
  // 1000 images, batch 50: 20 updates per epoch, 2 epochs, 40 in all; a row every 10 steps.
  write(dir.path / "cosine.yaml", mlp_config(2, 0, "schedule: {type: cosine}\n"));
  const Result r = blox(dir.path, "train cosine.yaml --quiet --set train.log_every_steps=10");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const std::map<int64_t, double> lr = lr_by_step(dir.path / "run");
  REQUIRE(lr.count(10) == 1);
  REQUIRE(lr.count(20) == 1);
  // The row at step s holds the rate of the step that made it (step index s - 1).
  const auto cosine = [](int64_t step) { return 0.003 * 0.5 * (1 + std::cos(M_PI * static_cast<double>(step) / 40)); };
  CHECK(lr.at(10) == doctest::Approx(cosine(9)).epsilon(1e-6));
  CHECK(lr.at(20) == doctest::Approx(cosine(19)).epsilon(1e-6));
  CHECK(lr.at(20) > 0.001);
}

TEST_CASE("schedule: one_cycle without total_steps trains an epoch-bounded run (it asked for a total_steps > 1)") {
  RunDir dir;
  write(dir.path / "cycle.yaml", mlp_config(1, 0, "schedule: {type: one_cycle}\n"));
  const Result r = blox(dir.path, "train cycle.yaml --quiet --set train.log_every_steps=10");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const std::map<int64_t, double> lr = lr_by_step(dir.path / "run");
  REQUIRE(lr.count(10) == 1);
  CHECK(lr.at(10) > 0.003 / 25);  // rising from lr / div_factor over the first 30 % of 20 steps, then falling
}

TEST_CASE("schedule: a resume may not change the epochs of a run whose schedule follows the run's length") {
  RunDir dir;
  write(dir.path / "cosine.yaml", mlp_config(1, 0, "schedule: {type: cosine}\n"));
  REQUIRE(blox(dir.path, "train cosine.yaml --quiet").exit_code == 0);
  const Result r = blox(dir.path, "train cosine.yaml --quiet --resume run --set train.epochs=3");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find("train.epochs: 1 -> 3") != std::string::npos, r.output);
}
