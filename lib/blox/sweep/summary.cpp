// The rows are built once (sweep_summary_rows); the CSV and the table are views of them.
#include "blox/sweep/summary.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "blox/data/csv.h"
#include "blox/io/atomic_file.h"
#include "blox/metrics/metric_watch.h"

namespace bx {
namespace {

using Json = nlohmann::ordered_json;

bool ranked(const TrialResult& r) { return r.state.status == TrialStatus::finished && r.score.best.has_value(); }

Json optional_number(const std::optional<double>& value) { return value ? Json(*value) : Json(nullptr); }

Json row_of(const TrialResult& r, const std::string& metric, int rank) {
  Json overrides = Json::object();
  for (const auto& [key, value] : r.trial.settings) overrides[key] = value;
  Json row{{"rank", rank > 0 ? Json(rank) : Json(nullptr)},
           {"trial", r.trial.name},
           {"dir", r.dir},
           {"status", trial_status_name(r.state.status)},
           {"steps", r.score.steps},
           {"metric", metric},
           {"best", optional_number(r.score.best)},
           {"best_step", r.score.best ? Json(r.score.best_step) : Json(nullptr)},
           {"last", optional_number(r.score.last)},
           {"overrides", overrides}};
  if (r.state.status == TrialStatus::failed) row["error"] = r.state.error;
  return row;
}

// A value as text: strings as they are, numbers in their shortest exact form, null empty.
std::string text_of(const Json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return fmt::format("{}", value.get<double>());
  return value.dump();
}

std::vector<std::string> grid_keys(const Json& rows) {
  std::vector<std::string> keys;
  if (!rows.empty()) {
    for (const auto& item : rows[0]["overrides"].items()) keys.push_back(item.key());
  }
  return keys;
}

}  // namespace

Json sweep_summary_rows(const std::vector<TrialResult>& results, const std::string& metric) {
  std::vector<const TrialResult*> order;
  for (const TrialResult& r : results) order.push_back(&r);
  const bool lower = lower_is_better(metric);
  std::stable_sort(order.begin(), order.end(), [lower](const TrialResult* a, const TrialResult* b) {
    if (ranked(*a) != ranked(*b)) return ranked(*a);
    if (!ranked(*a)) return a->trial.number < b->trial.number;
    if (*a->score.best != *b->score.best) return lower ? *a->score.best < *b->score.best : *a->score.best > *b->score.best;
    return a->trial.number < b->trial.number;
  });
  Json rows = Json::array();
  int rank = 0;
  for (const TrialResult* r : order) rows.push_back(row_of(*r, metric, ranked(*r) ? ++rank : 0));
  return rows;
}

std::string sweep_summary_csv(const Json& rows) {
  const std::string metric = rows.empty() ? "metric" : rows[0]["metric"].get<std::string>();
  const std::vector<std::string> keys = grid_keys(rows);
  std::string out = fmt::format("rank,trial,status,steps,best_{0},best_step,last_{0}", metric);
  for (const std::string& key : keys) out += "," + csv_field(key);
  out += ",error\n";
  for (const Json& row : rows) {
    out += fmt::format("{},{},{},{},{},{},{}", text_of(row["rank"]), csv_field(row["trial"]), text_of(row["status"]),
                       text_of(row["steps"]), text_of(row["best"]), text_of(row["best_step"]), text_of(row["last"]));
    for (const std::string& key : keys) out += "," + csv_field(text_of(row["overrides"].value(key, Json(""))));
    out += "," + csv_field(row.value("error", "")) + "\n";
  }
  return out;
}

std::string sweep_summary_table(const Json& rows) {
  const std::string metric = rows.empty() ? "metric" : rows[0]["metric"].get<std::string>();
  const std::vector<std::string> keys = grid_keys(rows);
  std::vector<std::vector<std::string>> cells{{"rank", "trial", "status", "steps", metric, "at step"}};
  for (const std::string& key : keys) cells[0].push_back(key);
  for (const Json& row : rows) {
    auto dash = [](const std::string& text) { return text.empty() ? std::string("-") : text; };
    std::vector<std::string> line{dash(text_of(row["rank"])), text_of(row["trial"]), text_of(row["status"]),
                                  text_of(row["steps"]),
                                  row["best"].is_null() ? "-" : fmt::format("{:.4f}", row["best"].get<double>()),
                                  dash(text_of(row["best_step"]))};
    for (const std::string& key : keys) line.push_back(text_of(row["overrides"].value(key, Json(""))));
    cells.push_back(line);
  }
  std::vector<size_t> widths(cells[0].size(), 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) widths[c] = std::max(widths[c], line[c].size());
  }
  // Numbers right-aligned (rank, steps, metric, at step), names and values left.
  auto right = [&](size_t c) { return c == 0 || c == 3 || c == 4 || c == 5; };
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      text += (c == 0 ? "" : "  ") + (right(c) ? fmt::format("{:>{}}", line[c], widths[c]) : fmt::format("{:<{}}", line[c], widths[c]));
    }
    out += text.substr(0, text.find_last_not_of(' ') + 1) + "\n";
  }
  for (const Json& row : rows) {
    if (row.contains("error")) out += fmt::format("{}: failed: {}\n", row["trial"].get<std::string>(), row["error"].get<std::string>());
  }
  return out;
}

void write_sweep_summary(const std::string& dir, const Json& rows) {
  std::string jsonl;
  for (const Json& row : rows) jsonl += row.dump() + "\n";
  write_file_atomically((std::filesystem::path(dir) / "sweep.jsonl").string(), jsonl);
  write_file_atomically((std::filesystem::path(dir) / "sweep.csv").string(), sweep_summary_csv(rows));
}

}  // namespace bx
