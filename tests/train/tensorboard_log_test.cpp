// RunLog's TensorBoard event file: every metrics row as the same scalars, truncated and completed
// with metrics.jsonl on a resume, damage named; blox train end to end, resumed from an earlier
// checkpoint, and a damaged event file refusing a resume.
#include <filesystem>
#include <fstream>
#include <set>

#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/io/tensorboard_events.h"
#include "blox/train/run_log.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;
namespace fs = std::filesystem;

namespace {

// The one event file of `dir`, read.
EventFile events_of(const fs::path& dir) {
  const std::vector<std::string> files = event_files(dir.string());
  REQUIRE(files.size() == 1);
  return read_event_file(files[0]);
}

// The event file holds exactly metrics.jsonl's rows: same steps in the same order, each row's
// tensorboard_scalars at float32 precision.
void check_events_match_log(const fs::path& dir) {
  const EventFile file = events_of(dir);
  const std::vector<MetricsRow> rows = read_metrics_log((dir / "metrics.jsonl").string());
  CHECK(file.file_version == "brain.Event:2");
  REQUIRE(file.events.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(rows[i].step);
    CHECK(file.events[i].step == rows[i].step);
    const std::vector<Scalar> expected = tensorboard_scalars(rows[i]);
    REQUIRE(file.events[i].scalars.size() == expected.size());
    for (size_t j = 0; j < expected.size(); ++j) {
      CHECK(file.events[i].scalars[j].tag == expected[j].tag);
      CHECK(file.events[i].scalars[j].value == static_cast<float>(expected[j].value));
    }
  }
}

std::vector<int64_t> steps(const EventFile& file) {
  std::vector<int64_t> s;
  for (const auto& e : file.events) s.push_back(e.step);
  return s;
}

}  // namespace

TEST_CASE("tensorboard_scalars: train/... for the row's own values, eval/<metric> for the evaluation's") {
  const std::vector<Scalar> scalars = tensorboard_scalars({10, 1, 0.5, 2.0, 100.0, {{"accuracy", 0.25}, {"loss", 1.5}}});
  std::map<std::string, double> by_tag;
  for (const auto& s : scalars) by_tag[s.tag] = s.value;
  CHECK(by_tag == std::map<std::string, double>{{"train/lr", 0.5},
                                                {"train/loss", 2.0},
                                                {"train/examples_per_second", 100.0},
                                                {"eval/accuracy", 0.25},
                                                {"eval/loss", 1.5}});
  CHECK(tensorboard_scalars({20, 1, 0.5, 2.0, 100.0, {}}).size() == 3);
}

TEST_CASE("RunLog with tensorboard: each row an event; truncate_after drops later ones, so none comes twice") {
  RunDir dir;
  {
    RunLog log(dir.path.string(), {"loss", "accuracy"}, /*tensorboard=*/true);
    log.record({10, 1, 0.5, 2.0, 100.0, {{"accuracy", 0.25}, {"loss", 1.5}}});
    log.record({20, 1, 0.25, 1.0, 200.0, {}});
    log.record({30, 2, 0.125, 0.5, 300.0, {{"accuracy", 0.5}, {"loss", 1.0}}});
    check_events_match_log(dir.path);
    log.truncate_after(20);
    CHECK(steps(events_of(dir.path)) == std::vector<int64_t>{10, 20});
    log.record({30, 2, 0.125, 0.75, 250.0, {{"accuracy", 0.5}, {"loss", 1.25}}});
  }
  check_events_match_log(dir.path);
  CHECK(steps(events_of(dir.path)) == std::vector<int64_t>{10, 20, 30});
}

TEST_CASE("RunLog with tensorboard: rows metrics.jsonl has and the event file lacks are added on truncation") {
  RunDir dir;
  {
    RunLog before(dir.path.string(), {"accuracy"}, /*tensorboard=*/false);  // switched on at the resume
    before.record({10, 1, 0.5, 2.0, 100.0, {{"accuracy", 0.25}}});
    before.record({20, 1, 0.25, 1.0, 200.0, {}});
  }
  CHECK(event_files(dir.path.string()).empty());
  {
    RunLog log(dir.path.string(), {"accuracy"}, /*tensorboard=*/true);
    log.truncate_after(20);
    check_events_match_log(dir.path);
    log.record({30, 2, 0.125, 0.5, 300.0, {{"accuracy", 0.5}}});
  }
  {
    // A crash between the two writes: the row is in metrics.jsonl only.
    RunLog text_only(dir.path.string(), {"accuracy"}, /*tensorboard=*/false);
    text_only.record({40, 2, 0.1, 0.4, 400.0, {}});
  }
  RunLog log(dir.path.string(), {"accuracy"}, /*tensorboard=*/true);
  log.truncate_after(40);
  check_events_match_log(dir.path);
  CHECK(steps(events_of(dir.path)) == std::vector<int64_t>{10, 20, 30, 40});
}

TEST_CASE("RunLog with tensorboard: a fresh start's truncation creates the file with its version alone") {
  RunDir dir;
  RunLog log(dir.path.string(), {"accuracy"}, /*tensorboard=*/true);
  log.truncate_after(0);
  const EventFile file = events_of(dir.path);
  CHECK(file.file_version == "brain.Event:2");
  CHECK(file.events.empty());
}

TEST_CASE("RunLog: a damaged event file is a DataError naming it with tensorboard on, and left alone with it off") {
  RunDir dir;
  {
    RunLog log(dir.path.string(), {"accuracy"}, /*tensorboard=*/true);
    log.record({10, 1, 0.5, 2.0, 100.0, {}});
  }
  const std::string path = event_files(dir.path.string()).at(0);
  std::string bytes = read(path);
  bytes[bytes.size() - 2] = static_cast<char>(bytes[bytes.size() - 2] ^ 0x40);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  RunLog with(dir.path.string(), {"accuracy"}, /*tensorboard=*/true);
  CHECK_THROWS_WITH_AS(with.truncate_after(10), doctest::Contains((path + ": record 2").c_str()), DataError);
  RunLog without(dir.path.string(), {"accuracy"}, /*tensorboard=*/false);
  without.truncate_after(0);
  CHECK(read(path) == bytes);
}

TEST_CASE("blox train with train.tensorboard: the event file holds metrics.jsonl's rows, after a resume from an "
          "earlier checkpoint too; a damaged one stops a resume with exit 2 and its name") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(2, 10));
  const std::string on = " --set train.tensorboard=true --set train.eval_every_steps=10";
  REQUIRE(blox(dir.path, "train mlp.yaml --quiet" + on).exit_code == 0);
  const fs::path run = dir.path / "run";
  CHECK(steps(events_of(run)) == std::vector<int64_t>{10, 20, 30, 40});
  check_events_match_log(run);

  // Rows 30 and 40 are done again, then 50 and 60.
  const Result resumed =
      blox(dir.path, "train mlp.yaml --quiet --resume run/ckpt-000000020.safetensors --set train.epochs=3" + on);
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  CHECK(steps(events_of(run)) == std::vector<int64_t>{10, 20, 30, 40, 50, 60});
  check_events_match_log(run);

  const std::string path = event_files(run.string()).at(0);
  std::string bytes = read(path);
  bytes[30] = static_cast<char>(bytes[30] ^ 1);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  const Result damaged = blox(dir.path, "train mlp.yaml --quiet --resume run --set train.epochs=4" + on);
  CHECK(damaged.exit_code == 2);
  CHECK(damaged.output.find(fs::path(path).filename().string() + ": record 1") != std::string::npos);
}
