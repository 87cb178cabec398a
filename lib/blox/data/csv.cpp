// A strict CSV reader: every row has the first row's width, every numeric field parses
// completely, every missing or unknown value is an error unless the config says what to do.
#include "blox/data/csv.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <set>

#include <ATen/ops/arange.h>
#include <ATen/ops/from_blob.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/core/suggest.h"
#include "blox/core/utf8.h"
#include "blox/data/gzip_file.h"

namespace bx {
namespace {

constexpr size_t kMaxCsvBytes = size_t{4} << 30;

// A file's rows as text fields, with the line each came from.

std::string trimmed(const std::string& field) {
  const size_t first = field.find_first_not_of(" \t\r");
  if (first == std::string::npos) return std::string();
  return field.substr(first, field.find_last_not_of(" \t\r") - first + 1);
}

// The line and column (1-based) of byte `at` of `text`.
std::pair<int64_t, size_t> position_of(const std::string& text, size_t at) {
  const auto before = text.begin() + static_cast<std::ptrdiff_t>(at);
  const int64_t line = 1 + std::count(text.begin(), before, '\n');
  const size_t line_start = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
  return {line, line_start == std::string::npos ? at + 1 : at - line_start};
}

// Text a CSV file may hold: no NUL byte, valid UTF-8 (its strings end up in JSON and YAML).
void check_text(const std::string& path, const std::string& text) {
  if (const size_t nul = text.find('\0'); nul != std::string::npos) {
    const auto [line, column] = position_of(text, nul);
    throw DataError(fmt::format("{}:{}: a NUL byte at column {}; expected a text CSV file", path, line, column));
  }
  if (const auto bad = invalid_utf8_at(text)) {
    const auto [line, column] = position_of(text, *bad);
    throw DataError(fmt::format("{}:{}: byte 0x{:02x} at column {} is not valid UTF-8; hint: convert the file, e.g. "
                                "iconv -f latin1 -t utf-8",
                                path, line, static_cast<unsigned char>(text[*bad]), column));
  }
}

// The fields of one record and the line it starts on.
struct Record {
  std::vector<std::string> fields;
  int64_t line = 0;
};

// Splits `text` into records (RFC 4180): a field in double quotes may hold the delimiter, line
// breaks and doubled quotes (""); blanks around unquoted fields are trimmed; blank lines are
// skipped, and the first `skip_rows` lines. A quote left open, text after a closing quote, or a
// quote inside an unquoted field is a DataError naming the line.
std::vector<Record> split_records(const std::string& path, const std::string& text, const CsvSettings& s) {
  const bool whitespace = s.delimiter == "whitespace";
  const char separator = whitespace ? ' ' : s.delimiter == "tab" ? '\t' : s.delimiter.at(0);
  const auto separates = [&](char c) { return whitespace ? c == ' ' || c == '\t' : c == separator; };
  const auto blank = [&](char c) { return (c == ' ' || c == '\t' || c == '\r') && !separates(c); };
  const size_t n = text.size();
  size_t i = 0;
  int64_t line = 1;
  for (; line <= s.skip_rows && i < n; ++line) {
    const size_t end = text.find('\n', i);
    i = end == std::string::npos ? n : end + 1;
  }
  std::vector<Record> records;
  while (i < n) {
    Record record{{}, line};
    bool content = false;  // a quoted field or a non-blank one: not a blank line
    if (whitespace) {
      while (i < n && (separates(text[i]) || text[i] == '\r')) ++i;
    }
    while (true) {
      while (i < n && blank(text[i])) ++i;
      std::string field;
      if (i < n && text[i] == '"') {
        const int64_t opened = line;
        content = true;
        for (++i;; ++i) {
          if (i >= n) {
            throw DataError(fmt::format("{}:{}: field {} opens a quote that is never closed", path, opened,
                                        record.fields.size() + 1));
          }
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              ++i;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field += text[i];
        }
        while (i < n && blank(text[i])) ++i;
        if (i < n && !separates(text[i]) && text[i] != '\n') {
          throw DataError(fmt::format("{}:{}: '{}' after the closing quote of field {}; a quoted field ends at its "
                                      "closing quote (a quote inside one is written \"\")",
                                      path, line, text[i], record.fields.size() + 1));
        }
      } else {
        const size_t start = i;
        while (i < n && !separates(text[i]) && text[i] != '\n') {
          if (text[i] == '"') {
            throw DataError(fmt::format("{}:{}: a quote inside unquoted field {}; hint: quote the whole field and "
                                        "double the quotes inside (\"say \"\"hi\"\"\")",
                                        path, line, record.fields.size() + 1));
          }
          ++i;
        }
        field = trimmed(text.substr(start, i - start));
        content = content || !field.empty();
      }
      record.fields.push_back(std::move(field));
      if (i >= n || text[i] == '\n') break;
      ++i;  // the separator
      if (whitespace) {
        while (i < n && (separates(text[i]) || text[i] == '\r')) ++i;
        if (i >= n || text[i] == '\n') break;
      }
    }
    ++i;  // the line break
    ++line;
    if (content || record.fields.size() > 1) records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

std::string CsvTable::where(size_t row) const { return fmt::format("{}:{}", path, lines[row]); }

std::string CsvTable::column(size_t i) const {
  return fmt::format("{} ('{}')", i + 1, names.empty() ? std::to_string(i) : names[i]);
}

CsvTable read_csv_table(const std::string& path, const CsvSettings& settings) {
  const std::string text = read_gz_file(path, kMaxCsvBytes);
  check_text(path, text);
  CsvTable table{path, {}, {}, {}, 0};
  for (Record& record : split_records(path, text, settings)) {
    const std::string where = fmt::format("{}:{}", path, record.line);
    if (table.width == 0) {
      table.width = record.fields.size();
      if (settings.header) {
        table.names = std::move(record.fields);
        for (size_t i = 0; i < table.names.size(); ++i) {
          const auto first = std::find(table.names.begin(), table.names.end(), table.names[i]);
          if (first != table.names.begin() + static_cast<std::ptrdiff_t>(i)) {
            throw DataError(fmt::format("{}: the header names column '{}' twice (columns {} and {}); columns are "
                                        "matched by name",
                                        where, table.names[i], first - table.names.begin() + 1, i + 1));
          }
        }
        continue;
      }
    }
    if (record.fields.size() != table.width) {
      throw DataError(fmt::format("{}: ragged row: {} fields, expected {}{}", where, record.fields.size(), table.width,
                                  settings.delimiter == "," && record.fields.size() == 1
                                      ? "; hint: is the file delimited otherwise (data.delimiter)?"
                                      : ""));
    }
    table.rows.push_back(std::move(record.fields));
    table.lines.push_back(record.line);
  }
  if (table.rows.empty()) throw DataError(fmt::format("{}: no data rows", path));
  return table;
}

namespace {

// A column given by name (with a header) or 0-based index.
size_t column_index(const CsvTable& t, const std::string& spec, const std::string& what) {
  for (size_t i = 0; i < t.names.size(); ++i) {
    if (t.names[i] == spec) return i;
  }
  char* end = nullptr;
  const long index = std::strtol(spec.c_str(), &end, 10);
  if (end != spec.c_str() && *end == '\0' && index >= 0 && static_cast<size_t>(index) < t.width) {
    return static_cast<size_t>(index);
  }
  throw DataError(fmt::format("{}: no {} column '{}' (columns: {}){}", t.path, what, spec,
                              t.names.empty() ? fmt::format("0..{}", t.width - 1) : fmt::format("{}", fmt::join(t.names, ", ")),
                              did_you_mean(spec, t.names)));
}

bool is_missing(const CsvSettings& s, const std::string& field) {
  return std::find(s.missing_values.begin(), s.missing_values.end(), field) != s.missing_values.end();
}

// A decimal number: [+-] digits [. digits] [e [+-] digits], at least one digit before the
// exponent. strtod alone also reads hex ("0x1A" is 26), "inf", "nan" and leading blanks.
bool decimal(const std::string& field) {
  size_t i = field.size() > 0 && (field[0] == '+' || field[0] == '-') ? 1 : 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < field.size() && field[i] >= '0' && field[i] <= '9') ++i;
    return i - start;
  };
  size_t mantissa = digits();
  if (i < field.size() && field[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < field.size() && (field[i] == 'e' || field[i] == 'E')) {
    ++i;
    if (i < field.size() && (field[i] == '+' || field[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == field.size();
}

std::optional<double> fill_value(const CsvSettings& s) {
  if (s.fill_missing == "error") return std::nullopt;
  return csv_number(s.fill_missing);
}

[[noreturn]] void missing_error(const CsvTable& t, size_t row, size_t column, const std::string& field) {
  throw DataError(fmt::format("{}: column {} has a missing value ('{}'); hint: set data.fill_missing to a number, or "
                              "remove the row",
                              t.where(row), t.column(column), field));
}

double numeric_field(const CsvTable& t, const CsvSettings& s, size_t row, size_t column) {
  const std::string& field = t.rows[row][column];
  if (is_missing(s, field)) {
    if (const auto fill = fill_value(s)) return *fill;
    missing_error(t, row, column, field);
  }
  const auto value = csv_number(field);
  if (!value) {
    throw DataError(fmt::format("{}: column {} is not a number: '{}' (expected a decimal within float32's range){}",
                                t.where(row), t.column(column), field,
                                s.categorical.empty() ? "; hint: list a column of strings in data.categorical"
                                                      : ""));
  }
  return *value;
}

// How each feature column becomes features: numeric (no values) or categorical (its values).
struct FeatureColumn {
  size_t index;
  const std::vector<std::string>* categories = nullptr;
};

std::vector<FeatureColumn> feature_columns(const CsvTable& t, const CsvSettings& s, std::optional<size_t> label) {
  std::map<size_t, const std::vector<std::string>*> categorical;
  for (const auto& spec : s.categorical) {
    const size_t i = column_index(t, spec, "categorical");
    const auto found = s.categories.find(spec);
    if (found == s.categories.end()) throw ConfigError(fmt::format("{}: no categories for column '{}'", t.path, spec));
    if (label && i == *label) throw ConfigError(fmt::format("{}: column '{}' is the label, not a categorical feature", t.path, spec));
    categorical[i] = &found->second;
  }
  std::vector<FeatureColumn> columns;
  for (size_t i = 0; i < t.width; ++i) {
    if (label && i == *label) continue;
    const auto c = categorical.find(i);
    columns.push_back({i, c == categorical.end() ? nullptr : c->second});
  }
  return columns;
}

at::Tensor encode_features(const CsvTable& t, const CsvSettings& s, std::optional<size_t> label) {
  const std::vector<FeatureColumn> columns = feature_columns(t, s, label);
  const bool one_hot = s.categorical_encoding == "one_hot";
  int64_t width = 0;
  for (const auto& c : columns) width += c.categories && one_hot ? static_cast<int64_t>(c.categories->size()) : 1;
  if (width == 0) throw DataError(fmt::format("{}: no feature columns", t.path));
  std::vector<float> features(t.rows.size() * static_cast<size_t>(width), 0.0f);
  for (size_t row = 0; row < t.rows.size(); ++row) {
    float* out = features.data() + row * static_cast<size_t>(width);
    for (const auto& c : columns) {
      if (!c.categories) {
        *out++ = static_cast<float>(numeric_field(t, s, row, c.index));
        continue;
      }
      const std::string& field = t.rows[row][c.index];
      const auto& values = *c.categories;
      const auto at = std::lower_bound(values.begin(), values.end(), field);
      const bool known = at != values.end() && *at == field;
      if (!known && !is_missing(s, field)) {
        throw DataError(fmt::format("{}: column {} has '{}', not among the {} categories of the training file ({}); "
                                    "hint: list it in data.categories",
                                    t.where(row), t.column(c.index), field, values.size(), fmt::join(values, ", ")));
      }
      if (!known && !fill_value(s)) missing_error(t, row, c.index, field);
      const int64_t position = known ? at - values.begin() : -1;
      if (one_hot) {
        if (known) out[position] = 1.0f;
        out += values.size();
      } else {
        *out++ = static_cast<float>(position);
      }
    }
  }
  const int64_t n = static_cast<int64_t>(t.rows.size());
  at::Tensor x = at::from_blob(features.data(), {n, width}, at::kFloat).clone();
  if (s.shape.empty()) return x;
  int64_t elements = 1;
  for (int64_t d : s.shape) elements *= d;
  if (elements != width) {
    throw DataError(fmt::format("{}: {} features per row do not fill data.shape {} ({} values)", t.path, width,
                                fmt::join(s.shape, "x"), elements));
  }
  std::vector<int64_t> shape{n};
  shape.insert(shape.end(), s.shape.begin(), s.shape.end());
  return x.view(shape);
}

// The numeric columns `columns` of every row: (N) for one, else (N, T). Labels are never filled.
at::Tensor encode_targets(const CsvTable& t, const CsvSettings& s, const std::vector<size_t>& columns) {
  std::vector<float> values;
  for (size_t row = 0; row < t.rows.size(); ++row) {
    for (size_t c : columns) {
      const std::string& field = t.rows[row][c];
      if (is_missing(s, field)) {
        throw DataError(fmt::format("{}: column {} has a missing label ('{}'); labels are never filled: remove the row",
                                    t.where(row), t.column(c), field));
      }
      if (s.class_names.empty()) {
        values.push_back(static_cast<float>(numeric_field(t, s, row, c)));
        continue;
      }
      const auto name = std::find(s.class_names.begin(), s.class_names.end(), field);
      if (name == s.class_names.end()) {
        throw DataError(fmt::format("{}: column {} has the label '{}', not among data.class_names ({}){}", t.where(row),
                                    t.column(c), field, fmt::join(s.class_names, ", "),
                                    did_you_mean(field, s.class_names)));
      }
      values.push_back(static_cast<float>(name - s.class_names.begin()));
    }
  }
  const int64_t n = static_cast<int64_t>(t.rows.size());
  at::Tensor y = at::from_blob(values.data(), {n, static_cast<int64_t>(columns.size())}, at::kFloat).clone();
  if (columns.size() == 1) y = y.view({n});
  if (s.classes > 0) {
    if (!at::equal(y, y.round())) throw DataError(fmt::format("{}: class labels must be whole numbers", t.path));
    y = y.to(at::kLong);
    check_labels(y, s.classes, t.path);
  }
  return y;
}

// Every column a feature; targets the row indices.
Dataset encode_features_of(const CsvTable& table, const CsvSettings& settings) {
  at::Tensor x = encode_features(table, settings, std::nullopt);
  return make_dataset(x, at::arange(x.size(0), at::kLong), table.path);
}

}  // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::optional<double> csv_number(const std::string& field) {
  if (!decimal(field)) return std::nullopt;
  const double value = std::strtod(field.c_str(), nullptr);
  if (!(std::fabs(value) <= std::numeric_limits<float>::max())) return std::nullopt;
  return value;
}

Dataset read_csv(const std::string& path, const CsvSettings& settings, const std::string& labels_path) {
  const CsvTable table = read_csv_table(path, settings);
  if (!labels_path.empty()) {
    const CsvTable labels = read_csv_table(labels_path, settings);
    if (labels.rows.size() != table.rows.size()) {
      throw DataError(fmt::format("{} holds {} rows but {} holds {} labels", path, table.rows.size(), labels_path,
                                  labels.rows.size()));
    }
    if (settings.classes > 0 && labels.width != 1) {
      throw DataError(fmt::format("{}: {} columns; class labels are one column (data.classes is set)", labels_path,
                                  labels.width));
    }
    std::vector<size_t> all(labels.width);
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    at::Tensor x = encode_features(table, settings, std::nullopt);  // features first: errors in file order
    return make_dataset(std::move(x), encode_targets(labels, settings, all), path);
  }
  if (table.width < 2) {
    throw DataError(fmt::format("{}: a row needs at least a feature and a label, got {} field", table.where(0), table.width));
  }
  const size_t label = settings.label.empty() ? table.width - 1 : column_index(table, settings.label, "label");
  at::Tensor x = encode_features(table, settings, label);
  return make_dataset(std::move(x), encode_targets(table, settings, {label}), path);
}

Dataset read_csv_features(const std::string& path, const CsvSettings& settings) {
  return encode_features_of(read_csv_table(path, settings), settings);
}

CsvPredictionRows read_csv_for_prediction(const std::string& path, const std::string& train_path,
                                          const CsvSettings& settings, bool separate_labels) {
  const CsvTable train = read_csv_table(train_path, settings);
  const std::optional<size_t> train_label =
      separate_labels ? std::nullopt
                      : std::optional<size_t>(settings.label.empty() ? train.width - 1
                                                                     : column_index(train, settings.label, "label"));
  CsvTable table = read_csv_table(path, settings);
  // Where each training column is in this file (nothing: absent, only the label may be).
  std::vector<std::optional<size_t>> place(train.width);
  if (!settings.header) {
    const size_t features = train.width - (train_label ? 1 : 0);
    if (table.width != features && table.width != train.width) {
      throw DataError(fmt::format("{}: {} columns; expected the {} feature columns of {}{}", path, table.width, features,
                                  train_path, train_label ? fmt::format(", or {} with its label column", train.width) : ""));
    }
    for (size_t c = 0, i = 0; c < train.width; ++c) {
      if (table.width == train.width || c != train_label) place[c] = i++;
    }
  } else {
    for (size_t i = 0; i < table.width; ++i) {
      const std::string& name = table.names[i];
      const auto in_train = std::find(train.names.begin(), train.names.end(), name);
      if (in_train == train.names.end()) {
        throw DataError(fmt::format("{}: column '{}' is not a column of the training file {} (its columns: {}){}", path,
                                    name, train_path, fmt::join(train.names, ", "), did_you_mean(name, train.names)));
      }
      auto& slot = place[static_cast<size_t>(in_train - train.names.begin())];
      if (slot) throw DataError(fmt::format("{}: column '{}' appears twice in the header", path, name));
      slot = i;
    }
    for (size_t c = 0; c < train.width; ++c) {
      if (!place[c] && c != train_label) {
        throw DataError(fmt::format("{}: the feature column '{}' of the training file {} is missing", path,
                                    train.names[c], train_path));
      }
    }
  }
  // The rows in the training file's column order (an absent label column left empty), so column
  // specs (label, categorical: names or indices) mean what they meant in training.
  CsvTable ordered{path, train.names, std::vector<std::vector<std::string>>(table.rows.size()), table.lines, train.width};
  for (size_t row = 0; row < table.rows.size(); ++row) {
    for (size_t c = 0; c < train.width; ++c) {
      ordered.rows[row].push_back(place[c] ? std::move(table.rows[row][*place[c]]) : std::string());
    }
  }
  const bool labelled = train_label && place[*train_label];
  at::Tensor x = encode_features(ordered, settings, train_label);
  at::Tensor y = labelled ? encode_targets(ordered, settings, {*train_label}) : at::arange(x.size(0), at::kLong);
  return {make_dataset(std::move(x), std::move(y), path), labelled};
}

CsvFit fit_csv(const std::string& path, const CsvSettings& settings, const std::string& labels_path) {
  const CsvTable table = read_csv_table(path, settings);
  CsvFit out;
  for (const auto& spec : settings.categorical) {
    const size_t column = column_index(table, spec, "categorical");
    std::set<std::string> values;
    for (const auto& row : table.rows) {
      if (!is_missing(settings, row[column])) values.insert(row[column]);
    }
    out.categories[spec].assign(values.begin(), values.end());
  }
  if (settings.classes == 0) return out;
  // The label column: of this table, or the one column of the labels file.
  std::optional<CsvTable> labels;
  if (!labels_path.empty()) labels = read_csv_table(labels_path, settings);
  const CsvTable& holder = labels ? *labels : table;
  if (labels && holder.width != 1) return out;  // several target columns: not class labels (read_csv says so)
  const size_t column = labels ? 0
                        : settings.label.empty() ? table.width - 1
                                                 : column_index(table, settings.label, "label");
  std::set<std::string> names;
  bool numeric = true;
  for (const auto& row : holder.rows) {
    if (is_missing(settings, row[column])) continue;
    names.insert(row[column]);
    numeric = numeric && csv_number(row[column]).has_value();
  }
  if (!numeric) out.class_names.assign(names.begin(), names.end());
  return out;
}

}  // namespace bx
