#include "blox/train/run_log.h"

#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"
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

// A metrics.jsonl line as JSON, when it is an object with a numeric "step".
std::optional<nlohmann::json> parse_row(const std::string& line) {
  auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("step") || !json["step"].is_number()) return std::nullopt;
  return json;
}

int64_t leading_integer(const std::string& line) {
  try {
    return std::stoll(line);
  } catch (const std::exception&) {
    return -1;  // a damaged line: kept, it predates any resume point
  }
}

}  // namespace

std::vector<MetricsRow> read_metrics_log(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open (no such file?); hint: pass a run directory blox train wrote", path));
  std::vector<MetricsRow> rows;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::optional<nlohmann::json> json = parse_row(line);
    if (!json) throw DataError(fmt::format("{}:{}: expected a JSON object with a numeric \"step\"", path, number));
    MetricsRow row;
    for (const auto& [key, value] : json->items()) {
      if (!value.is_number()) continue;
      const double v = value.get<double>();
      if (key == "step") row.step = value.get<int64_t>();
      else if (key == "epoch") row.epoch = value.get<int64_t>();
      else if (key == "lr") row.lr = v;
      else if (key == "train_loss") row.train_loss = v;
      else if (key == "examples_per_second") row.examples_per_second = v;
      else row.metrics[key] = v;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

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
    const std::optional<nlohmann::json> row = parse_row(line);
    return !row || (*row)["step"].get<int64_t>() <= step;  // a damaged line predates any resume point
  });
  filter_lines(fs::path(dir_) / "metrics.csv",
               [step](size_t number, const std::string& line) { return number == 0 || leading_integer(line) <= step; });
}

}  // namespace bx
