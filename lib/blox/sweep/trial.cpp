#include "blox/sweep/trial.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"
#include "blox/io/atomic_file.h"
#include "blox/io/run_directory.h"
#include "blox/metrics/metric_watch.h"
#include "blox/train/run_log.h"

namespace bx {

namespace fs = std::filesystem;

const char* trial_status_name(TrialStatus status) {
  switch (status) {
    case TrialStatus::pending:
      return "pending";
    case TrialStatus::interrupted:
      return "interrupted";
    case TrialStatus::finished:
      return "finished";
    case TrialStatus::failed:
      return "failed";
  }
  return "?";
}

std::string trial_mark_path(const std::string& dir) { return (fs::path(dir) / "trial.json").string(); }

TrialState read_trial_state(const std::string& dir) {
  const std::string path = trial_mark_path(dir);
  std::ifstream in(path);
  if (!in) {
    std::error_code ec;
    const bool started = fs::exists(run_files::config(dir), ec);
    return {started ? TrialStatus::interrupted : TrialStatus::pending, ""};
  }
  const nlohmann::json mark = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  const std::string status = mark.is_object() ? mark.value("status", "") : "";
  if (status == "finished") return {TrialStatus::finished, ""};
  if (status == "failed") return {TrialStatus::failed, mark.value("error", "")};
  throw DataError(fmt::format("{}: expected {{\"status\": \"finished\" or \"failed\"}}, as blox sweep writes; hint: "
                              "remove it to resume the trial", path));
}

void mark_trial_done(const std::string& dir, TrialStatus status, const std::string& error) {
  nlohmann::json mark{{"status", trial_status_name(status)}};
  if (status == TrialStatus::failed) mark["error"] = error;
  write_file_atomically(trial_mark_path(dir), mark.dump() + "\n");
}

namespace {

// The step of the newest numbered checkpoint (ckpt-<step>.safetensors) in `dir`, or 0: where an
// interrupted trial goes on, which may be past its last metrics row.
int64_t last_saved_step(const std::string& dir) {
  int64_t step = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string prefix = "ckpt-", suffix = ".safetensors";
    if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.find_first_not_of("0123456789") == std::string::npos) step = std::max<int64_t>(step, std::stoll(digits));
  }
  return step;
}

}  // namespace

TrialScore read_trial_score(const std::string& dir, const std::string& metric) {
  TrialScore score;
  score.steps = last_saved_step(dir);
  const std::string path = run_files::metrics_log(dir);
  std::error_code ec;
  if (!fs::exists(path, ec)) return score;
  MetricWatch watch("sweep", metric);  // best as keep_best judges it
  for (const MetricsRow& row : read_metrics_log(path)) {
    score.steps = std::max(score.steps, row.step);
    if (watch.update(row.metrics)) score.best_step = row.step;
    const auto it = row.metrics.find(metric);
    if (it != row.metrics.end()) score.last = it->second;
  }
  score.best = watch.best();
  return score;
}

}  // namespace bx
