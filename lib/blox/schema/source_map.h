// SourceMap: which file (or command-line override) each part of a merged config came from.
#pragma once

#include <map>
#include <string>

namespace bx {

/// Key paths ("train.epochs", "model.layers[2]") to the file that set them. A path not listed
/// belongs to its longest listed prefix, and finally to the main file.
class SourceMap {
 public:
  explicit SourceMap(std::string main_file) : main_(std::move(main_file)) {}
  void set(const std::string& path, const std::string& file) { files_[path] = file; }
  const std::string& file_for(const std::string& path) const;
  const std::string& main_file() const { return main_; }

 private:
  std::string main_;
  std::map<std::string, std::string> files_;
};

}  // namespace bx
