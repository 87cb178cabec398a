// Options over a YAML text, for tests of the schema readers.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "blox/config/document.h"

namespace bx::test {

/// A config document loaded from `yaml` (written to a temporary file named in diagnostics).
inline bx::ConfigDocument yaml_document(const std::string& yaml) {
  const auto path = std::filesystem::temp_directory_path() / ("blox_schema_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand()) + ".yaml");
  std::ofstream(path) << yaml;
  bx::ConfigDocument document = bx::ConfigDocument::load(path.string());
  std::filesystem::remove(path);
  return document;
}

}  // namespace bx::test
