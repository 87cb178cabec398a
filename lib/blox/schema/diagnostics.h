// Diagnostics: every problem found in a config, with file, line, column and key path, reported together.
#pragma once

#include <string>
#include <vector>

namespace bx {

/// Where a value stands in a config file (1-based line and column).
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  Location where;
  std::string path;     ///< key path, e.g. "model.layers[2].rate"
  std::string message;  ///< what is wrong; expected X, got Y
  std::string hint;     ///< optional, e.g. "did you mean 'rate'?"
};

/// Collects diagnostics so one run reports all of them, in the order found.
class Diagnostics {
 public:
  void error(Location where, std::string path, std::string message, std::string hint = "");
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  /// "file:line:column: error: path: message (hint: ...)" lines and a count; a problem recorded
  /// again at the same place with the same message (a second reader of a key) is told once.
  std::string report() const;
  /// Throws ConfigError carrying report() when anything was recorded.
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace bx
