// SourceMap: which file (or command-line override) each part of a merged config came from.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace bx {

/// Key paths ("train.epochs", "model.layers[2]") to the file that set them. A path not listed
/// belongs to its longest listed prefix, and finally to the main file.
class SourceMap {
 public:
  explicit SourceMap(std::string main_file) : main_(std::move(main_file)) {}
  void set(const std::string& path, const std::string& file) { files_[path] = file; }
  const std::string& file_for(const std::string& path) const;
  const std::string& main_file() const { return main_; }
  /// The line and column (1-based) of a key made by a block template (its nodes have no marks
  /// of their own): the template key's.
  void set_place(const std::string& path, int line, int column) { places_[path] = {line, column}; }
  std::optional<std::pair<int, int>> place_for(const std::string& path) const;

 private:
  std::string main_;
  std::map<std::string, std::string> files_;
  std::map<std::string, std::pair<int, int>> places_;
};

}  // namespace bx
