// Settings declared once. A settings struct keeps its defaults in its members and lists each
// field once, with its YAML key, rule and one line of help:
//
//   struct DropoutSettings {
//     double rate = 0.5;
//     template <class Visit> void fields(Visit& visit) {
//       visit("rate", rate, Rule::fraction(), "probability of zeroing an element");
//     }
//   };
//
// Everything else is derived from that list: reading a config mapping (read_settings, which
// also writes the defaults back for --print-config), the constructors' checks (check_settings)
// and the schema tables of configs/README.md (settings_doc, `blox schema`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "blox/core/init.h"
#include "blox/core/padding.h"
#include "blox/schema/options.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of a thing with no keys of its own.
struct NoSettings {
  template <class Visit>
  void fields(Visit&) {}
};

/// Reads fields from a config mapping; every problem becomes a located diagnostic.
class SettingsReader {
 public:
  /// `classes`: what a size written `classes` means (0: no dataset defines it).
  SettingsReader(Options& options, int64_t classes) : options_(options), classes_(classes) {}

  void operator()(const char* key, int64_t& value, const Rule& rule, const char* help);
  void operator()(const char* key, double& value, const Rule& rule, const char* help);
  void operator()(const char* key, bool& value, const Rule& rule, const char* help);
  void operator()(const char* key, std::string& value, const Rule& rule, const char* help);
  void operator()(const char* key, std::vector<int64_t>& value, const Rule& rule, const char* help);
  void operator()(const char* key, std::vector<double>& value, const Rule& rule, const char* help);
  void operator()(const char* key, std::vector<std::string>& value, const Rule& rule, const char* help);
  void operator()(const char* key, Init& value, const Rule& rule, const char* help);
  void operator()(const char* key, Padding& value, const Rule& rule, const char* help);

 private:
  bool missing_required(const char* key, const Rule& rule);
  Options& options_;
  int64_t classes_;
};

/// Checks fields against their rules; throws SettingError(key) at the first broken one, its
/// message starting with `where` (e.g. "Dropout 'model/drop'").
class SettingsChecker {
 public:
  explicit SettingsChecker(std::string where) : where_(std::move(where)) {}

  void operator()(const char* key, const int64_t& value, const Rule& rule, const char* help) const;
  void operator()(const char* key, const double& value, const Rule& rule, const char* help) const;
  void operator()(const char* key, const std::string& value, const Rule& rule, const char* help) const;
  void operator()(const char* key, const std::vector<int64_t>& value, const Rule& rule, const char* help) const;
  void operator()(const char* key, const std::vector<double>& value, const Rule& rule, const char* help) const;
  /// Types whose values carry no range (bool, Init, Padding, string lists).
  template <class T>
  void operator()(const char*, const T&, const Rule&, const char*) const {}

 private:
  void fail(const char* key, const std::string& message) const;
  std::string where_;
};

/// One row of a settings table.
struct FieldDoc {
  std::string key;
  std::string type;      ///< "integer", "number", "bool", "string", "list of integers", "initializer", ...
  std::string fallback;  ///< the default as YAML would write it; "" when required
  std::string rule;      ///< Rule::describe(), plus "required"
  std::string help;
};

/// Collects FieldDoc rows from a struct holding its defaults.
class SettingsDocumenter {
 public:
  void operator()(const char* key, const int64_t& value, const Rule& rule, const char* help);
  void operator()(const char* key, const double& value, const Rule& rule, const char* help);
  void operator()(const char* key, const bool& value, const Rule& rule, const char* help);
  void operator()(const char* key, const std::string& value, const Rule& rule, const char* help);
  void operator()(const char* key, const std::vector<int64_t>& value, const Rule& rule, const char* help);
  void operator()(const char* key, const std::vector<double>& value, const Rule& rule, const char* help);
  void operator()(const char* key, const std::vector<std::string>& value, const Rule& rule, const char* help);
  void operator()(const char* key, const Init& value, const Rule& rule, const char* help);
  void operator()(const char* key, const Padding& value, const Rule& rule, const char* help);

  std::vector<FieldDoc> rows;

 private:
  void add(const char* key, std::string type, std::string fallback, const Rule& rule, const char* help);
};

/// Every field of `settings` found in `options` read over its value; a broken field keeps it
/// (the diagnostic is recorded). False when a field was broken. Unknown keys are left for the
/// caller's finish(). For sections whose other keys depend on these fields (data.format), so
/// one broken field is one error, not a cascade.
template <class S>
bool read_settings_into(Options& options, S& settings, int64_t classes = 0) {
  const size_t before = options.diagnostics().items().size();
  SettingsReader reader(options, classes);
  settings.fields(reader);
  return options.diagnostics().items().size() == before;
}

/// `settings` with every field found in `options` read over its default. Unknown keys are left
/// for the caller's finish(). Nothing when a field was broken (the diagnostic is recorded).
template <class S>
std::optional<S> read_settings(Options& options, S settings, int64_t classes = 0) {
  if (!read_settings_into(options, settings, classes)) return std::nullopt;
  return settings;
}

/// Throws SettingError naming the first field that breaks its rule.
template <class S>
void check_settings(S settings, const std::string& where) {
  SettingsChecker checker(where);
  settings.fields(checker);  // a copy: fields() hands out mutable references
}

/// The rows of `defaults`' table.
template <class S>
std::vector<FieldDoc> settings_doc(S defaults) {
  SettingsDocumenter documenter;
  defaults.fields(documenter);
  return documenter.rows;
}

}  // namespace bx
