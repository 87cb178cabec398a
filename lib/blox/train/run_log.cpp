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

// The values every row has: metrics.jsonl's key and TensorBoard's tag, the one statement of both
// (an evaluation metric is <metric> and eval/<metric>).
struct RowField {
  const char* key;
  const char* tag;
  double MetricsRow::*value;
};
constexpr RowField kRowFields[] = {{"lr", "train/lr", &MetricsRow::lr},
                                   {"train_loss", "train/loss", &MetricsRow::train_loss},
                                   {"examples_per_second", "train/examples_per_second", &MetricsRow::examples_per_second}};

std::string evaluation_tag(const std::string& metric) { return "eval/" + metric; }

const RowField* row_field(const std::string& key) {
  for (const RowField& f : kRowFields) {
    if (key == f.key) return &f;
  }
  return nullptr;
}

// A metrics.jsonl object as a row: its numeric values, by key.
MetricsRow row_of(const nlohmann::json& json) {
  MetricsRow row;
  for (const auto& [key, value] : json.items()) {
    if (!value.is_number()) continue;
    if (key == "step") row.step = value.get<int64_t>();
    else if (key == "epoch") row.epoch = value.get<int64_t>();
    else if (const RowField* field = row_field(key)) row.*(field->value) = value.get<double>();
    else row.metrics[key] = value.get<double>();
  }
  return row;
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
    rows.push_back(row_of(*json));
  }
  return rows;
}

std::vector<Scalar> tensorboard_scalars(const MetricsRow& row) {
  std::vector<Scalar> scalars;
  for (const RowField& f : kRowFields) scalars.push_back({f.tag, row.*(f.value)});
  for (const auto& [name, value] : row.metrics) scalars.push_back({evaluation_tag(name), value});
  return scalars;
}

RunLog::RunLog(std::string dir, std::vector<std::string> metrics, bool tensorboard)
    : dir_(std::move(dir)), metrics_(std::move(metrics)), tensorboard_(tensorboard) {
  fs::create_directories(dir_);
}

EventWriter& RunLog::events() {
  if (!events_) events_.emplace(dir_);
  return *events_;
}

void RunLog::write_config(const std::string& yaml) const {
  write_file_atomically((fs::path(dir_) / "config.yaml").string(), yaml);
}

void RunLog::record(const MetricsRow& row) {
  nlohmann::json json = {{"step", row.step}, {"epoch", row.epoch}};
  for (const RowField& f : kRowFields) json[f.key] = row.*(f.value);
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
  out.close();  // the text files first: a crash between the writes leaves a row the next start adds
  if (tensorboard_) events().write(row.step, tensorboard_scalars(row));
}

void RunLog::truncate_after(int64_t step) {
  const fs::path jsonl = fs::path(dir_) / "metrics.jsonl";
  filter_lines(jsonl, [step](size_t, const std::string& line) {
    const std::optional<nlohmann::json> row = parse_row(line);
    return !row || (*row)["step"].get<int64_t>() <= step;  // a damaged line predates any resume point
  });
  filter_lines(fs::path(dir_) / "metrics.csv",
               [step](size_t number, const std::string& line) { return number == 0 || leading_integer(line) <= step; });
  if (!tensorboard_) return;
  events_.reset();  // closed before its file is replaced
  const int64_t last = truncate_events_after(dir_, step);
  std::ifstream in(jsonl);
  for (std::string line; std::getline(in, line);) {
    const std::optional<nlohmann::json> json = parse_row(line);
    if (!json) continue;  // a damaged line has nothing to show
    const MetricsRow row = row_of(*json);
    if (row.step > last) events().write(row.step, tensorboard_scalars(row));
  }
  events();  // the file exists from the start, with its file version
}

}  // namespace bx
