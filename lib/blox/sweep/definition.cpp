#include "blox/sweep/definition.h"

#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"
#include "blox/io/atomic_file.h"

namespace bx {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string absolute_config(const std::string& config) { return fs::weakly_canonical(fs::absolute(config)).string(); }

json record_of(const SweepDefinition& d) {
  json grid = json::array();
  for (const GridAxis& axis : d.grid.axes()) grid.push_back({{"key", axis.key}, {"values", axis.values}});
  return {{"config", absolute_config(d.config)}, {"set", d.sets}, {"grid", grid}, {"random", d.random}, {"seed", d.seed}};
}

// "[v1, v2]" of a stored list of strings.
std::string listed(const json& values) {
  std::string out;
  for (const json& v : values) out += (out.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
  return "[" + out + "]";
}

// An axis's values by key, and the keys in order, of a record's "grid".
std::pair<std::map<std::string, json>, std::vector<std::string>> axes_of(const json& grid) {
  std::map<std::string, json> values;
  std::vector<std::string> keys;
  for (const json& axis : grid.is_array() ? grid : json::array()) {
    const std::string key = axis.value("key", "");
    keys.push_back(key);
    values[key] = axis.value("values", json::array());
  }
  return {values, keys};
}

// "  --grid KEY: [stored] -> [now]" per axis that differs ("(none)" for a missing one), then the
// axes' order when only that differs (it numbers the trials).
void grid_differences(const json& stored, const json& now, std::vector<std::string>& out) {
  const auto [before, before_keys] = axes_of(stored);
  const auto [after, after_keys] = axes_of(now);
  std::vector<std::string> keys = before_keys;
  for (const std::string& key : after_keys) {
    if (!before.count(key)) keys.push_back(key);
  }
  const size_t count = out.size();
  for (const std::string& key : keys) {
    const std::string was = before.count(key) ? listed(before.at(key)) : "(none)";
    const std::string is = after.count(key) ? listed(after.at(key)) : "(none)";
    if (was != is) out.push_back(fmt::format("  --grid {}: {} -> {}", key, was, is));
  }
  if (out.size() == count && before_keys != after_keys) {
    out.push_back(fmt::format("  --grid order: {} -> {}", listed(before_keys), listed(after_keys)));
  }
}

// "key: stored -> now" for each part of the record that differs; a grown `random` (same seed)
// is no difference.
std::vector<std::string> differences(const json& stored, const json& now) {
  std::vector<std::string> out;
  if (stored.value("config", json()) != now["config"]) {
    out.push_back(fmt::format("  CONFIG: {} -> {}", stored.value("config", json()).dump(), now["config"].dump()));
  }
  if (stored.value("set", json()) != now["set"]) {
    out.push_back(fmt::format("  --set: {} -> {}", listed(stored.value("set", json::array())), listed(now["set"])));
  }
  grid_differences(stored.value("grid", json()), now["grid"], out);
  const int64_t random_before = stored.value("random", int64_t{0});
  const int64_t random_now = now["random"];
  const bool extended = random_before > 0 && random_now > random_before;
  if (random_before != random_now && !extended) out.push_back(fmt::format("  --random: {} -> {}", random_before, random_now));
  if (random_now > 0 && stored.value("seed", json()) != now["seed"]) {
    out.push_back(fmt::format("  --seed: {} -> {}", stored.value("seed", json()).dump(), now["seed"].dump()));
  }
  return out;
}

}  // namespace

std::vector<SweepTrial> SweepDefinition::trials() const {
  return random > 0 ? grid.random_trials(random, seed) : grid.all_trials();
}

std::string sweep_record_path(const std::string& dir) { return (fs::path(dir) / "sweep.json").string(); }

void require_same_sweep(const std::string& dir, const SweepDefinition& now) {
  const std::string path = sweep_record_path(dir);
  std::ifstream in(path);
  if (!in) return;
  const json stored = json::parse(in, nullptr, /*allow_exceptions=*/false);
  const auto damaged = [&path] {
    return ConfigError(fmt::format("{}: not a sweep record (the JSON object blox sweep writes); hint: --dir OTHER for "
                                   "this sweep", path));
  };
  if (!stored.is_object()) throw damaged();
  std::vector<std::string> changed;
  try {
    changed = differences(stored, record_of(now));
  } catch (const json::exception&) {  // a field of the wrong type
    throw damaged();
  }
  if (changed.empty()) return;
  std::string lines;
  for (const std::string& line : changed) lines += line + "\n";
  throw ConfigError(fmt::format("{} holds another sweep ({}); its trials would mix with this one's (stored -> now):\n{}"
                                "hint: repeat that sweep's command to continue it, or --dir OTHER for this one",
                                dir, path, lines));
}

void write_sweep_record(const std::string& dir, const SweepDefinition& definition) {
  write_file_atomically(sweep_record_path(dir), record_of(definition).dump(2) + "\n");
}

}  // namespace bx
