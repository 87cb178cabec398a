// A strict numeric CSV reader: every field must parse completely, every row have the header's width.
#include "blox/data/csv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include <ATen/ops/from_blob.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/core/suggest.h"

namespace bx {
namespace {

std::vector<std::string> split_fields(const std::string& line, char delimiter) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t end = line.find(delimiter, start);
    std::string field = line.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const size_t first = field.find_first_not_of(" \t\r");
    const size_t last = field.find_last_not_of(" \t\r");
    fields.push_back(first == std::string::npos ? std::string() : field.substr(first, last - first + 1));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return fields;
}

bool blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

size_t label_index(const CsvSettings& s, const std::vector<std::string>& names, size_t width, const std::string& where) {
  if (s.label.empty()) return width - 1;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == s.label) return i;
  }
  char* end = nullptr;
  const long index = std::strtol(s.label.c_str(), &end, 10);
  if (end != s.label.c_str() && *end == '\0' && index >= 0 && static_cast<size_t>(index) < width) {
    return static_cast<size_t>(index);
  }
  throw DataError(fmt::format("{}: no label column '{}' (columns: {}){}", where, s.label,
                              names.empty() ? fmt::format("0..{}", width - 1) : fmt::format("{}", fmt::join(names, ", ")),
                              did_you_mean(s.label, names)));
}

}  // namespace

TensorDataset read_csv(const std::string& path, const CsvSettings& settings) {
  std::ifstream in(path);
  if (!in) throw DataError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::vector<std::string> names;
  std::vector<float> features, targets;
  size_t width = 0, label = 0;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (blank(line)) continue;
    const std::string where = fmt::format("{}:{}", path, number);
    if (const size_t nul = line.find('\0'); nul != std::string::npos) {
      throw DataError(fmt::format("{}: a NUL byte at column {}; expected a text CSV file", where, nul + 1));
    }
    std::vector<std::string> fields = split_fields(line, settings.delimiter);
    if (width == 0) {
      width = fields.size();
      if (width < 2) throw DataError(fmt::format("{}: a row needs at least a feature and a label, got {} field", where, width));
      if (settings.header) {
        names = fields;
        label = label_index(settings, names, width, where);
        continue;
      }
      label = label_index(settings, names, width, where);
    }
    if (fields.size() != width) {
      throw DataError(fmt::format("{}: ragged row: {} fields, expected {}", where, fields.size(), width));
    }
    for (size_t i = 0; i < width; ++i) {
      char* end = nullptr;
      const double value = std::strtod(fields[i].c_str(), &end);
      if (fields[i].empty() || end != fields[i].c_str() + fields[i].size() || !std::isfinite(value)) {
        throw DataError(fmt::format("{}: column {} ('{}') is not a finite number: '{}'", where, i + 1,
                                    names.empty() ? std::to_string(i) : names[i], fields[i]));
      }
      (i == label ? targets : features).push_back(static_cast<float>(value));
    }
  }
  if (targets.empty()) throw DataError(fmt::format("{}: no data rows", path));
  const int64_t n = static_cast<int64_t>(targets.size());
  at::Tensor x = at::from_blob(features.data(), {n, static_cast<int64_t>(width) - 1}, at::kFloat).clone();
  at::Tensor y = at::from_blob(targets.data(), {n}, at::kFloat).clone();
  if (settings.classes > 0) {
    if (!at::equal(y, y.round())) throw DataError(fmt::format("{}: class labels must be whole numbers", path));
    y = y.to(at::kLong);
    check_labels(y, settings.classes, path);
  }
  return make_dataset(std::move(x), std::move(y), path);
}

}  // namespace bx
