#include "blox/schema/settings.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/schema/value_readers.h"

namespace bx {

// ---- reading -------------------------------------------------------------------------------

bool SettingsReader::missing_required(const char* key, const Rule& rule) {
  if (!rule.is_required() || options_.has(key)) return false;
  options_.known(key);
  options_.error("", fmt::format("missing required key '{}'", key));
  return true;
}

void SettingsReader::operator()(const char* key, int64_t& value, const Rule& rule, const char*) {
  if (missing_required(key, rule)) return;
  if (rule.takes_classes() && options_.scalar(key) == "classes") {
    value = read_size(options_, key, classes_);
    return;
  }
  value = options_.integer(key, value);
  if (auto broken = rule.violation(static_cast<double>(value), true)) options_.error(key, *broken);
}

void SettingsReader::operator()(const char* key, double& value, const Rule& rule, const char*) {
  if (missing_required(key, rule)) return;
  value = options_.number(key, value);
  if (auto broken = rule.violation(value, false)) options_.error(key, *broken);
}

void SettingsReader::operator()(const char* key, bool& value, const Rule& rule, const char*) {
  if (missing_required(key, rule)) return;
  value = options_.boolean(key, value);
}

void SettingsReader::operator()(const char* key, std::string& value, const Rule& rule, const char*) {
  if (missing_required(key, rule)) return;
  value = rule.choices().empty() ? options_.string(key, value) : options_.choice(key, value, rule.choices());
}

void SettingsReader::operator()(const char* key, std::vector<int64_t>& value, const Rule& rule, const char*) {
  if (missing_required(key, rule)) return;
  value = options_.integers(key, value);
  for (int64_t v : value) {
    if (auto broken = rule.violation(static_cast<double>(v), true)) return options_.error(key, *broken);
  }
}

void SettingsReader::operator()(const char* key, std::vector<double>& value, const Rule& rule, const char*) {
  if (missing_required(key, rule)) return;
  value = options_.numbers(key, value);
  for (double v : value) {
    if (auto broken = rule.violation(v, false)) return options_.error(key, *broken);
  }
}

void SettingsReader::operator()(const char* key, std::vector<std::string>& value, const Rule& rule, const char*) {
  if (missing_required(key, rule)) return;
  value = options_.strings(key, value);
  for (const auto& v : value) {
    if (auto broken = rule.violation(v)) return options_.error(key, *broken);
  }
}

void SettingsReader::operator()(const char* key, Init& value, const Rule& rule, const char*) {
  if (missing_required(key, rule)) return;
  value = read_init(options_, key, value);
}

void SettingsReader::operator()(const char* key, Padding& value, const Rule& rule, const char*) {
  if (missing_required(key, rule)) return;
  value = read_padding(options_, key, value);
}

// ---- checking ------------------------------------------------------------------------------

void SettingsChecker::fail(const char* key, const std::string& message) const {
  throw SettingError(key, fmt::format("{}: {}: {}", where_, key, message));
}

void SettingsChecker::operator()(const char* key, const int64_t& value, const Rule& rule, const char*) const {
  if (auto broken = rule.violation(static_cast<double>(value), true)) fail(key, *broken);
}

void SettingsChecker::operator()(const char* key, const double& value, const Rule& rule, const char*) const {
  if (auto broken = rule.violation(value, false)) fail(key, *broken);
}

void SettingsChecker::operator()(const char* key, const std::string& value, const Rule& rule, const char*) const {
  if (auto broken = rule.violation(value)) fail(key, *broken);
}

void SettingsChecker::operator()(const char* key, const std::vector<int64_t>& value, const Rule& rule,
                                 const char*) const {
  for (int64_t v : value) {
    if (auto broken = rule.violation(static_cast<double>(v), true)) fail(key, *broken);
  }
}

void SettingsChecker::operator()(const char* key, const std::vector<double>& value, const Rule& rule,
                                 const char*) const {
  for (double v : value) {
    if (auto broken = rule.violation(v, false)) fail(key, *broken);
  }
}

// ---- documenting ---------------------------------------------------------------------------

namespace {

template <class T>
std::string yaml_list(const std::vector<T>& values) {
  return fmt::format("[{}]", fmt::join(values, ", "));
}

std::string padding_text(const Padding& p) {
  switch (p.kind) {
    case Padding::Kind::valid:
      return "valid";
    case Padding::Kind::same:
      return "same";
    default:
      return p.amounts.size() == 1 ? fmt::format("{}", p.amounts[0]) : yaml_list(p.amounts);
  }
}

}  // namespace

void SettingsDocumenter::add(const char* key, std::string type, std::string fallback, const Rule& rule,
                             const char* help) {
  std::string wanted = rule.describe();
  if (rule.takes_classes()) wanted += ", or `classes`";
  if (rule.is_required()) {
    fallback.clear();
    wanted = wanted.empty() ? "required" : "required, " + wanted;
  }
  rows.push_back({key, std::move(type), std::move(fallback), std::move(wanted), help});
}

void SettingsDocumenter::operator()(const char* key, const int64_t& value, const Rule& rule, const char* help) {
  add(key, "integer", fmt::format("{}", value), rule, help);
}

void SettingsDocumenter::operator()(const char* key, const double& value, const Rule& rule, const char* help) {
  add(key, "number", fmt::format("{}", value), rule, help);
}

void SettingsDocumenter::operator()(const char* key, const bool& value, const Rule& rule, const char* help) {
  add(key, "bool", value ? "true" : "false", rule, help);
}

void SettingsDocumenter::operator()(const char* key, const std::string& value, const Rule& rule, const char* help) {
  add(key, "string", value.empty() ? "\"\"" : value, rule, help);
}

void SettingsDocumenter::operator()(const char* key, const std::vector<int64_t>& value, const Rule& rule,
                                    const char* help) {
  add(key, "integer or list of integers", yaml_list(value), rule, help);
}

void SettingsDocumenter::operator()(const char* key, const std::vector<double>& value, const Rule& rule,
                                    const char* help) {
  add(key, "number or list of numbers", yaml_list(value), rule, help);
}

void SettingsDocumenter::operator()(const char* key, const std::vector<std::string>& value, const Rule& rule,
                                    const char* help) {
  add(key, "string or list of strings", yaml_list(value), rule, help);
}

void SettingsDocumenter::operator()(const char* key, const Init& value, const Rule& rule, const char* help) {
  add(key, "initializer", value.name(), rule, help);
}

void SettingsDocumenter::operator()(const char* key, const Padding& value, const Rule& rule, const char* help) {
  add(key, "padding", padding_text(value), rule, help);
}

}  // namespace bx
