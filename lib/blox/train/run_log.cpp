#include "blox/train/run_log.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"
#include "blox/io/atomic_file.h"
#include "blox/io/run_directory.h"

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

// The key (and CSV column) naming the evaluated split; added after the first metrics files, so
// readers find it by name and an older CSV goes on without it.
constexpr const char* kSplitKey = "split";

std::vector<std::string> split_fields(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, separator)) fields.push_back(field);
  return fields;
}

const RowField* row_field(const std::string& key) {
  for (const RowField& f : kRowFields) {
    if (key == f.key) return &f;
  }
  return nullptr;
}

// One CSV field of `row`: the value under `column`, or "" when the row has none.
std::string csv_field(const MetricsRow& row, const std::string& column) {
  if (column == "step") return std::to_string(row.step);
  if (column == "epoch") return std::to_string(row.epoch);
  if (column == "examples_per_second") return fmt::format("{:.1f}", row.examples_per_second);
  if (const RowField* field = row_field(column)) return fmt::format("{}", row.*(field->value));
  if (column == kSplitKey) return row.metrics.empty() ? "" : row.split;
  auto it = row.metrics.find(column);
  return it == row.metrics.end() ? "" : fmt::format("{}", it->second);
}

// A metrics.jsonl object as a row: its numeric values, by key, and the evaluated split.
MetricsRow row_of(const nlohmann::json& json) {
  MetricsRow row;
  for (const auto& [key, value] : json.items()) {
    if (key == kSplitKey && value.is_string()) row.split = value.get<std::string>();
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
    : dir_(std::move(dir)), metrics_(std::move(metrics)), tensorboard_(tensorboard) {}

EventWriter& RunLog::events() {
  if (!events_) events_.emplace(dir_);
  return *events_;
}

void RunLog::write_config(const std::string& yaml) const {
  write_file_atomically(run_files::config(dir_), yaml);
}

void RunLog::record(const MetricsRow& row) {
  nlohmann::json json = {{"step", row.step}, {"epoch", row.epoch}};
  for (const RowField& f : kRowFields) json[f.key] = row.*(f.value);
  for (const auto& [k, v] : row.metrics) json[k] = v;
  if (!row.metrics.empty()) json[kSplitKey] = row.split;
  std::ofstream(run_files::metrics_log(dir_), std::ios::app) << json.dump() << "\n";

  const fs::path csv = run_files::metrics_table(dir_);
  if (csv_columns_.empty()) {
    std::ifstream existing(csv);
    std::string header;
    if (std::getline(existing, header) && !header.empty()) csv_columns_ = split_fields(header, ',');
  }
  std::ofstream out(csv, std::ios::app);
  if (csv_columns_.empty()) {
    csv_columns_ = {"step", "epoch"};
    for (const RowField& f : kRowFields) csv_columns_.push_back(f.key);
    csv_columns_.insert(csv_columns_.end(), metrics_.begin(), metrics_.end());
    csv_columns_.push_back(kSplitKey);
    out << fmt::format("{}\n", fmt::join(csv_columns_, ","));
  }
  std::vector<std::string> fields;
  for (const auto& column : csv_columns_) fields.push_back(csv_field(row, column));
  out << fmt::format("{}\n", fmt::join(fields, ","));
  out.close();  // the text files first: a crash between the writes leaves a row the next start adds
  if (tensorboard_) events().write(row.step, tensorboard_scalars(row));
}

void RunLog::truncate_after(int64_t step) {
  const fs::path jsonl = run_files::metrics_log(dir_);
  filter_lines(jsonl, [step](size_t, const std::string& line) {
    const std::optional<nlohmann::json> row = parse_row(line);
    return !row || (*row)["step"].get<int64_t>() <= step;  // a damaged line predates any resume point
  });
  filter_lines(run_files::metrics_table(dir_),
               [step](size_t number, const std::string& line) { return number == 0 || leading_integer(line) <= step; });
  if (!tensorboard_) return;
  events_.reset();  // closed before its file is replaced
  std::vector<std::string> notes;
  const int64_t last = truncate_events_after(dir_, step, &notes);
  for (const std::string& note : notes) fmt::print(stderr, "note: {}\n", note);
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
