// What a resume may change: the leaf-by-leaf comparison of resolved configs and the rule that
// refuses every change outside resumable_keys().
#include "blox/config/resume_changes.h"

#include <doctest/doctest.h>

using namespace bx;

namespace {

const std::string stored =
    "seed: 3\ntrain: {epochs: 2, max_steps: 0}\noptimizer: {type: adam, learning_rate: 0.003}\n"
    "model:\n  layers:\n    - {type: linear, output_size: 32}\n    - {type: relu}\n"
    "metrics: [loss, accuracy]\n";

std::vector<std::string> keys(const std::vector<ConfigChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(c.key);
  return out;
}

}  // namespace

TEST_CASE("config_changes: every differing leaf with its key path, stored and new value") {
  CHECK(config_changes(stored, stored).empty());
  const std::string changed =
      "seed: 3\ntrain: {epochs: 5, max_steps: 0}\noptimizer: {type: adam, learning_rate: 0.01}\n"
      "model:\n  layers:\n    - {type: linear, output_size: 64}\n    - {type: relu}\n"
      "metrics: [loss]\nthreads: 2\n";
  const std::vector<ConfigChange> changes = config_changes(stored, changed);
  CHECK(keys(changes) == std::vector<std::string>{"train.epochs", "optimizer.learning_rate",
                                                  "model.layers[0].output_size", "metrics", "threads"});
  CHECK(changes[1].stored == "0.003");
  CHECK(changes[1].now == "0.01");
  CHECK(changes[3].stored == "[loss, accuracy]");
  CHECK(changes[3].now == "[loss]");
  CHECK(changes[4].stored == "(absent)");
  CHECK(format_changes({changes[1]}) == "  optimizer.learning_rate: 0.003 -> 0.01\n");
}

TEST_CASE("unresumable_changes: only keys outside resumable_keys(), and max_steps when the schedule follows it") {
  const std::string longer = "seed: 3\ntrain: {epochs: 5, max_steps: 100}\noptimizer: {type: adam, learning_rate: 0.003}\n"
                             "model:\n  layers:\n    - {type: linear, output_size: 32}\n    - {type: relu}\n"
                             "metrics: [loss, accuracy]\nthreads: 2\n";
  CHECK(unresumable_changes(config_changes(stored, longer), longer).empty());
  const std::string seeded = "seed: 4\n" + stored.substr(stored.find('\n') + 1);
  CHECK(keys(unresumable_changes(config_changes(stored, seeded), seeded)) == std::vector<std::string>{"seed"});
  // A cosine schedule without total_steps runs over the run's length: new epochs or max_steps
  // are a new schedule.
  const std::string cosine = "schedule: {type: cosine, total_steps: 0}\n";
  const std::string stored_cosine = stored + cosine;
  const std::string longer_cosine = longer + cosine;
  CHECK(keys(unresumable_changes(config_changes(stored_cosine, longer_cosine), longer_cosine)) ==
        std::vector<std::string>{"train.epochs", "train.max_steps"});
  for (const auto& key : resumable_keys()) {
    CAPTURE(key);
    CHECK(key.find("optimizer") == std::string::npos);
    CHECK(key.find("model") == std::string::npos);
    CHECK(key != "seed");
    CHECK(key != "metrics");
  }
}

TEST_CASE("resumable_keys: exactly the fields whose rule says Rule::resumable(), section by section") {
  const std::vector<std::string> expected{"device", "threads", "data.workers", "data.prefetch", "train.epochs", "train.max_steps",
                                          "train.eval_every_epochs", "train.eval_every_steps", "train.log_every_steps",
                                          "train.tensorboard", "train.early_stopping_patience", "train.precision",
                                          "checkpoint.dir", "checkpoint.every_epochs", "checkpoint.every_steps",
                                          "checkpoint.keep_last", "dist.timeout_seconds"};
  CHECK(resumable_keys() == expected);
}

TEST_CASE("check_resume: the changes and, among them, the refused ones") {
  const std::string now = "seed: 4\n" + stored.substr(stored.find('\n') + 1) + "threads: 2\n";
  const ResumeCheck check = check_resume(stored, now);
  CHECK(keys(check.changes) == std::vector<std::string>{"seed", "threads"});
  CHECK(keys(check.refused) == std::vector<std::string>{"seed"});
}
