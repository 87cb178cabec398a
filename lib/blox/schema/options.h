// Options: typed reading of one mapping of a config, recording what it read, so that unknown
// keys, wrong types and bad values become diagnostics with locations. Keeps yaml-cpp out of
// every header: layers and optimizers register parsers against this interface only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "blox/schema/diagnostics.h"

namespace bx {

/// A mapping in a config document. Every getter records its key as known and writes the
/// default back when the key is absent, so the document becomes the resolved config.
/// Errors go to the shared Diagnostics; getters then return the default and reading goes on.
class Options {
 public:
  struct Node;  // the yaml-cpp node and document bookkeeping, in options.cpp
  Options(std::shared_ptr<Node> node, std::string path, std::shared_ptr<Diagnostics> diagnostics);

  const std::string& path() const { return path_; }
  Diagnostics& diagnostics() const { return *diagnostics_; }
  bool has(const std::string& key) const;
  /// The value of `key` when it is a single scalar (no diagnostics either way).
  std::optional<std::string> scalar(const std::string& key) const;
  /// Where `key`'s value stands (or the mapping itself when the key is absent).
  Location location(const std::string& key = "") const;
  /// "path.key".
  std::string key_path(const std::string& key) const;

  int64_t integer(const std::string& key, int64_t fallback);
  double number(const std::string& key, double fallback);
  bool boolean(const std::string& key, bool fallback);
  std::string string(const std::string& key, const std::string& fallback);
  /// A scalar or a list of integers.
  std::vector<int64_t> integers(const std::string& key, const std::vector<int64_t>& fallback);
  std::vector<double> numbers(const std::string& key, const std::vector<double>& fallback);
  /// A scalar or a list of strings.
  std::vector<std::string> strings(const std::string& key, const std::vector<std::string>& fallback);
  /// A string from `allowed` (a "did you mean" on a miss).
  std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed);

  /// Required variants: a missing key is an error naming it.
  int64_t required_integer(const std::string& key);
  std::string required_string(const std::string& key);

  /// The mapping under `key` (an empty one when absent; an error when not a mapping).
  Options section(const std::string& key);
  /// The mappings listed under `key` (an error when not a list of mappings).
  std::vector<Options> sections(const std::string& key);
  /// Replaces the value of `key` in the document (e.g. a path made absolute).
  void set_string(const std::string& key, const std::string& value);
  /// Replaces `key` with a list (e.g. values fitted on the training data).
  void set_strings(const std::string& key, const std::vector<std::string>& values);
  void set_numbers(const std::string& key, const std::vector<double>& values);
  /// Marks `key` known without reading it (read elsewhere, e.g. "type").
  void known(const std::string& key);

  /// Records an error at `key` unless ok.
  void check(bool ok, const std::string& key, const std::string& message, const std::string& hint = "");
  /// Records an error about `key` (or the mapping itself when key is "").
  void error(const std::string& key, const std::string& message, const std::string& hint = "");
  /// Reports every key present but never read, with a "did you mean" among the known ones.
  void finish();

 private:
  std::shared_ptr<Node> node_;
  std::string path_;
  std::shared_ptr<Diagnostics> diagnostics_;
  std::vector<std::string> known_;
};

}  // namespace bx
