// ConfigDocument: a YAML config file with its includes merged and --set overrides applied.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "blox/schema/diagnostics.h"
#include "blox/schema/options.h"

namespace bx {

/// "model.layers[2].rate" and "model.layers.2.rate" -> {"model", "layers", "2", "rate"}, as
/// --set reads a key path.
std::vector<std::string> split_key_path(const std::string& path);

/// `text` as a single-quoted YAML scalar ('' for '), so an override's value stays the string
/// it is (a path with ': ' or '#', say).
std::string yaml_quoted(const std::string& text);

class ConfigDocument {
 public:
  /// Loads `path`. `include:` (a file or a list, relative to the including file) is merged
  /// first, the including file's values winning; then each override "key.path=value" (value
  /// read as YAML; list items as `layers.2` or `layers[2]`) replaces or adds a value.
  /// Unreadable files, YAML syntax errors, include cycles and bad overrides throw ConfigError
  /// naming file, line and column (or the override).
  static ConfigDocument load(const std::string& path, const std::vector<std::string>& overrides = {});
  /// As load, with `text` standing for the file's contents (a checkpoint's stored config): `path`
  /// names it in messages, and its folder is where relative paths and includes resolve.
  static ConfigDocument parse(const std::string& text, const std::string& path,
                              const std::vector<std::string>& overrides = {});

  /// The whole document, reading through the shared diagnostics.
  Options root() const;
  const std::shared_ptr<Diagnostics>& diagnostics() const { return diagnostics_; }
  /// The document as YAML: after reading it through Options, every default is filled in.
  std::string dump() const;
  const std::string& path() const { return path_; }

 private:
  static ConfigDocument load(const std::string& path, const std::vector<std::string>& overrides,
                             const std::string* text);
  struct State;
  std::shared_ptr<State> state_;
  std::shared_ptr<Diagnostics> diagnostics_;
  std::string path_;
};

}  // namespace bx
