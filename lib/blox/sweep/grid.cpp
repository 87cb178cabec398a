#include "blox/sweep/grid.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <random>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>

#include "blox/config/document.h"
#include "blox/core/errors.h"

namespace bx {
namespace {

constexpr const char* kSyntax = "expected KEY=[v1,v2,...], e.g. --grid optimizer.learning_rate=[0.001,0.003]";

std::string trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool is_index(const std::string& part) {
  return !part.empty() && std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The items of a YAML flow list's inside ("1, [2, 3], 'a,b'"), split at the commas outside
// quotes and brackets; each item stays YAML text for --set to read. `argument` is for messages.
std::vector<std::string> split_items(const std::string& inside, const std::string& argument) {
  std::vector<std::string> items;
  std::string current;
  std::vector<char> open;  // the closing brackets awaited
  char quote = 0;
  for (size_t i = 0; i < inside.size(); ++i) {
    const char c = inside[i];
    current += c;
    if (quote != 0) {
      if (quote == '"' && c == '\\' && i + 1 < inside.size()) current += inside[++i];  // an escape
      else if (c == quote) quote = 0;  // YAML's '' inside single quotes closes and reopens: same result
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    else if (c == '[') open.push_back(']');
    else if (c == '{') open.push_back('}');
    else if (c == ']' || c == '}') {
      if (open.empty() || open.back() != c) throw ConfigError(fmt::format("--grid '{}': an unmatched '{}'; {}", argument, c, kSyntax));
      open.pop_back();
    } else if (c == ',' && open.empty()) {
      current.pop_back();
      items.push_back(trimmed(current));
      current.clear();
    }
  }
  if (quote != 0) throw ConfigError(fmt::format("--grid '{}': an unclosed {} quote; {}", argument, quote, kSyntax));
  if (!open.empty()) throw ConfigError(fmt::format("--grid '{}': an unclosed bracket; {}", argument, kSyntax));
  items.push_back(trimmed(current));
  return items;
}

// A value as a directory name's part: letters, digits and ".+-_" kept, anything else '_',
// at most 24 characters (the trial number keeps names apart).
std::string name_part(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    if (c == '\'' || c == '"' || c == ' ') continue;
    out += std::isalnum(c) || c == '.' || c == '+' || c == '-' || c == '_' ? static_cast<char>(c) : '_';
  }
  if (out.size() > 24) out.resize(24);
  return out.empty() ? "_" : out;
}

// The last part of a key that names a setting: "optimizer.learning_rate" -> "learning_rate",
// "model.layers[2]" -> "layers2".
std::string short_key(const std::string& key) {
  const std::vector<std::string> parts = split_key_path(key);
  if (parts.size() >= 2 && is_index(parts.back())) return parts[parts.size() - 2] + parts.back();
  return parts.empty() ? key : parts.back();
}

}  // namespace

std::vector<std::string> SweepTrial::overrides() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : settings) out.push_back(key + "=" + value);
  return out;
}

std::string normalized_key(const std::string& key) {
  std::string out;
  for (const std::string& part : split_key_path(key)) out += is_index(part) ? "[" + part + "]" : (out.empty() ? "" : ".") + part;
  return out;
}

GridAxis parse_grid_axis(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos) throw ConfigError(fmt::format("--grid '{}': no '='; {}", text, kSyntax));
  const std::string key = trimmed(text.substr(0, eq));
  const std::string list = trimmed(text.substr(eq + 1));
  if (key.empty() || key.find("..") != std::string::npos || key.front() == '.' || key.back() == '.') {
    throw ConfigError(fmt::format("--grid '{}': '{}' is not a key path; {}", text, key, kSyntax));
  }
  if (list.size() < 2 || list.front() != '[' || list.back() != ']') {
    throw ConfigError(fmt::format("--grid '{}': the values are not a [list]; {}", text, kSyntax));
  }
  GridAxis axis{normalized_key(key), split_items(list.substr(1, list.size() - 2), text)};
  for (size_t i = 0; i < axis.values.size(); ++i) {
    if (axis.values[i].empty()) {
      throw ConfigError(fmt::format("--grid '{}': value {} of {} is empty; {}", text, i + 1, axis.values.size(), kSyntax));
    }
  }
  return axis;
}

SweepGrid SweepGrid::parse(const std::vector<std::string>& arguments) {
  if (arguments.empty()) throw ConfigError(fmt::format("blox sweep: no --grid; {}", kSyntax));
  SweepGrid grid;
  std::set<std::string> keys;
  for (const std::string& argument : arguments) {
    GridAxis axis = parse_grid_axis(argument);
    if (axis.key == "checkpoint.dir") {
      throw ConfigError(fmt::format("--grid '{}': the sweep sets each trial's checkpoint.dir (DIR/trial-NNN-...); "
                                    "hint: --dir DIR chooses the sweep's directory", argument));
    }
    if (!keys.insert(axis.key).second) {
      throw ConfigError(fmt::format("--grid '{}': {} is already an axis; hint: one --grid per key, all its values in "
                                    "one list", argument, axis.key));
    }
    // Two equal values would train the same trial twice (0.01 and 1e-2 are one number).
    std::map<std::string, std::string> seen;
    for (const std::string& value : axis.values) {
      char* end = nullptr;
      const double number = std::strtod(value.c_str(), &end);
      const bool numeric = !value.empty() && end != nullptr && *end == '\0';
      const auto [first, fresh] = seen.emplace(numeric ? fmt::format("{}", number) : value, value);
      if (!fresh) {
        throw ConfigError(fmt::format("--grid '{}': the value {} is there twice ({} and {}); each trial would be "
                                      "trained twice", argument, value, first->second, value));
      }
    }
    grid.axes_.push_back(std::move(axis));
  }
  return grid;
}

uint64_t SweepGrid::size() const {
  uint64_t size = 1;
  for (const GridAxis& axis : axes_) {
    if (size > std::numeric_limits<uint64_t>::max() / axis.values.size()) {
      throw ConfigError("--grid: more combinations than fit in 64 bits; hint: fewer values, with --random N");
    }
    size *= axis.values.size();
  }
  return size;
}

SweepTrial SweepGrid::trial_at(uint64_t index, int number) const {
  SweepTrial trial;
  trial.number = number;
  trial.settings.resize(axes_.size());
  for (size_t a = axes_.size(); a-- > 0;) {
    const std::vector<std::string>& values = axes_[a].values;
    trial.settings[a] = {axes_[a].key, values[index % values.size()]};
    index /= values.size();
  }
  // Numbers as wide as the grid's size, so a random sweep's names stay when it is extended.
  const int width = std::max<int>(3, static_cast<int>(std::to_string(size()).size()));
  trial.name = fmt::format("trial-{:0{}}", number, width);
  for (const auto& [key, value] : trial.settings) trial.name += "-" + short_key(key) + "=" + name_part(value);
  if (trial.name.size() > 120) trial.name.resize(120);  // far below a file name's 255 bytes; the number keeps it unique
  return trial;
}

std::vector<SweepTrial> SweepGrid::all_trials() const {
  const uint64_t count = size();
  if (count > 100000) {
    throw ConfigError(fmt::format("--grid: {} combinations; hint: draw some with --random N --seed S", count));
  }
  std::vector<SweepTrial> trials;
  for (uint64_t i = 0; i < count; ++i) trials.push_back(trial_at(i, static_cast<int>(i + 1)));
  return trials;
}

std::vector<SweepTrial> SweepGrid::random_trials(int64_t count, uint64_t seed) const {
  const uint64_t combinations = size();
  if (count < 1 || static_cast<uint64_t>(count) > combinations) {
    throw ConfigError(fmt::format("--random {}: expected 1 to {} (the grid's combinations); hint: without --random "
                                  "the sweep runs them all", count, combinations));
  }
  if (count > 100000) throw ConfigError(fmt::format("--random {}: at most 100000 trials", count));
  // Uniform draws with the repeats skipped: each new trial depends only on the ones before it,
  // so a larger count extends a sweep. mt19937_64's sequence is fixed by the standard; the
  // modulo's bias is below 2^-40 for any grid that fits in memory.
  std::mt19937_64 engine(seed);
  std::set<uint64_t> drawn;
  std::vector<SweepTrial> trials;
  while (trials.size() < static_cast<size_t>(count)) {
    const uint64_t index = engine() % combinations;
    if (drawn.insert(index).second) {
      trials.push_back(trial_at(index, static_cast<int>(trials.size() + 1)));
    }
  }
  return trials;
}

}  // namespace bx
