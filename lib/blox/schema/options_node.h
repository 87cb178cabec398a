// The yaml-cpp side of Options, shared by the config sources that build Options (private header).
#pragma once

#include <memory>

#include <yaml-cpp/yaml.h>

#include "blox/schema/options.h"
#include "blox/schema/source_map.h"

namespace bx {

struct Options::Node {
  YAML::Node yaml;
  std::shared_ptr<const SourceMap> sources;
};

}  // namespace bx
