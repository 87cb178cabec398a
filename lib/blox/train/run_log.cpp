#include "blox/train/run_log.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/io/atomic_file.h"

namespace bx {
namespace {

namespace fs = std::filesystem;

// Rewrites `path` keeping the lines `keep` accepts (a missing file stays missing).
template <typename Keep>
void filter_lines(const fs::path& path, Keep keep) {
  std::ifstream in(path);
  if (!in) return;
  std::string kept, line;
  for (size_t number = 0; std::getline(in, line); ++number) {
    if (keep(number, line)) kept += line + "\n";
  }
  write_file_atomically(path.string(), kept);
}

int64_t leading_integer(const std::string& line) {
  try {
    return std::stoll(line);
  } catch (const std::exception&) {
    return -1;  // a damaged line: kept, it predates any resume point
  }
}

}  // namespace

RunLog::RunLog(std::string dir, std::vector<std::string> metrics) : dir_(std::move(dir)), metrics_(std::move(metrics)) {
  fs::create_directories(dir_);
}

void RunLog::write_config(const std::string& yaml) const {
  write_file_atomically((fs::path(dir_) / "config.yaml").string(), yaml);
}

void RunLog::record(const MetricsRow& row) const {
  nlohmann::json json = {{"step", row.step},
                         {"epoch", row.epoch},
                         {"lr", row.lr},
                         {"train_loss", row.train_loss},
                         {"examples_per_second", row.examples_per_second}};
  for (const auto& [k, v] : row.metrics) json[k] = v;
  std::ofstream(fs::path(dir_) / "metrics.jsonl", std::ios::app) << json.dump() << "\n";

  const fs::path csv = fs::path(dir_) / "metrics.csv";
  const bool fresh = !fs::exists(csv);
  std::ofstream out(csv, std::ios::app);
  if (fresh) {
    out << "step,epoch,lr,train_loss,examples_per_second";
    for (const auto& name : metrics_) out << "," << name;
    out << "\n";
  }
  out << fmt::format("{},{},{},{},{:.1f}", row.step, row.epoch, row.lr, row.train_loss, row.examples_per_second);
  for (const auto& name : metrics_) out << "," << (row.metrics.count(name) ? fmt::format("{}", row.metrics.at(name)) : "");
  out << "\n";
}

void RunLog::truncate_after(int64_t step) const {
  filter_lines(fs::path(dir_) / "metrics.jsonl", [step](size_t, const std::string& line) {
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    return !json.is_object() || !json.contains("step") || !json["step"].is_number() || json["step"].get<int64_t>() <= step;
  });
  filter_lines(fs::path(dir_) / "metrics.csv",
               [step](size_t number, const std::string& line) { return number == 0 || leading_integer(line) <= step; });
}

}  // namespace bx
