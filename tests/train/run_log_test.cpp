// RunLog: metrics.jsonl and metrics.csv rows, truncation for a resumed run.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/train/run_log.h"
#include "support/temp_dir.h"

using namespace bx;
namespace fs = std::filesystem;

namespace {
}  // namespace

TEST_CASE("RunLog: rows in both files, the CSV with a header; truncate_after drops later steps") {
  const fs::path dir = fs::temp_directory_path() / ("blox_run_log_" + std::to_string(::getpid()));
  fs::create_directories(dir);  // (rank 0's RunLock makes it in a run)
  {
    RunLog log(dir.string(), {"loss", "accuracy"});
    log.write_config("seed: 1\n");
    log.record({10, 1, 0.5, 2.0, 100.0, {{"accuracy", 0.25}, {"loss", 1.5}}, "validation"});
    log.record({20, 1, 0.25, 1.0, 200.0, {}, "validation"});
    log.record({30, 2, 0.125, 0.5, 300.0, {{"accuracy", 0.5}, {"loss", 1.0}}, "validation"});
    CHECK(bx::test::read_text(dir / "config.yaml") == "seed: 1\n");
    CHECK(bx::test::read_text(dir / "metrics.csv") ==
          "step,epoch,lr,train_loss,examples_per_second,loss,accuracy,split\n"
          "10,1,0.5,2,100.0,1.5,0.25,validation\n"
          "20,1,0.25,1,200.0,,,\n"
          "30,2,0.125,0.5,300.0,1,0.5,validation\n");
    CHECK(bx::test::read_text(dir / "metrics.jsonl").find(
              "{\"accuracy\":0.25,\"epoch\":1,\"examples_per_second\":100.0,\"loss\":1.5,\"lr\":0.5,"
              "\"split\":\"validation\",\"step\":10,\"train_loss\":2.0}\n{\"epoch\":1,\"examples_per_second\":200.0,"
              "\"lr\":0.25,\"step\":20,\"train_loss\":1.0}\n") == 0);
    log.truncate_after(20);
    CHECK(bx::test::read_text(dir / "metrics.csv") ==
          "step,epoch,lr,train_loss,examples_per_second,loss,accuracy,split\n"
          "10,1,0.5,2,100.0,1.5,0.25,validation\n"
          "20,1,0.25,1,200.0,,,\n");
    const std::string jsonl = bx::test::read_text(dir / "metrics.jsonl");
    CHECK(std::count(jsonl.begin(), jsonl.end(), '\n') == 2);
    CHECK(jsonl.find("\"step\":30") == std::string::npos);
    CHECK(jsonl.find("\"step\":20") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("RunLog: a resumed run's rows follow its CSV's own header, which an older run wrote without split") {
  const fs::path dir = fs::temp_directory_path() / ("blox_run_log_old_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "metrics.csv") << "step,epoch,lr,train_loss,examples_per_second,loss,accuracy\n"
                                        "10,1,0.5,2,100.0,1.5,0.25\n";
  {
    RunLog log(dir.string(), {"loss", "accuracy"});
    log.truncate_after(10);
    log.record({20, 1, 0.25, 1.0, 200.0, {{"accuracy", 0.5}, {"loss", 1.0}}, "test"});
  }
  CHECK(bx::test::read_text(dir / "metrics.csv") ==
        "step,epoch,lr,train_loss,examples_per_second,loss,accuracy\n"
        "10,1,0.5,2,100.0,1.5,0.25\n"
        "20,1,0.25,1,200.0,1,0.5\n");
  CHECK(bx::test::read_text(dir / "metrics.jsonl").find("\"split\":\"test\"") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("read_metrics_log: rows back with their metrics; a damaged line names file:line; no file is an error") {
  const fs::path dir = fs::temp_directory_path() / ("blox_read_log_" + std::to_string(std::rand()));
  fs::create_directories(dir);  // (rank 0's RunLock makes it in a run)
  {
    RunLog log(dir.string(), {"accuracy"});
    log.record({5, 1, 0.5, 2.0, 100.0, {}});
    log.record({10, 1, 0.25, 1.0, 200.0, {{"accuracy", 0.75}}, "test"});
  }
  const auto rows = read_metrics_log((dir / "metrics.jsonl").string());
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].step == 5);
  CHECK(rows[0].metrics.empty());
  CHECK(rows[1].lr == 0.25);
  CHECK(rows[1].train_loss == 1.0);
  CHECK(rows[1].metrics.at("accuracy") == 0.75);
  CHECK(rows[1].split == "test");
  CHECK(rows[0].split.empty());
  std::ofstream(dir / "metrics.jsonl", std::ios::app) << "{\"step\": 15, \"train_loss\": 0.5}\n{\"step\": oops\n";
  CHECK_THROWS_WITH_AS(read_metrics_log((dir / "metrics.jsonl").string()),
                       doctest::Contains("metrics.jsonl:4: expected a JSON object with a numeric \"step\""), DataError);
  CHECK_THROWS_WITH_AS(read_metrics_log((dir / "none.jsonl").string()), doctest::Contains("none.jsonl: cannot open"), Error);
  fs::remove_all(dir);
}
