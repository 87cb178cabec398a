#include "blox/config/fitted_data.h"

#include <optional>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "blox/config/document.h"

namespace bx {
namespace {

std::string flow_yaml(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetSeqFormat(YAML::Flow);
  out.SetMapFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

}  // namespace

std::vector<std::string> fitted_data_overrides(const std::string& stored_config, const std::string& path,
                                               const std::vector<std::string>& overrides) {
  // A missing key is an invalid node, whose type must not be asked: IsDefined() first.
  const YAML::Node root = YAML::Load(stored_config);
  const YAML::Node stored = root.IsMap() ? root["data"] : YAML::Node();
  if (!stored.IsDefined() || !stored.IsMap()) return {};
  std::vector<std::string> out;
  const YAML::Node categories = stored["categories"];
  if (categories.IsDefined() && categories.IsMap()) out.push_back("data.categories=" + flow_yaml(categories));
  const YAML::Node class_names = stored["class_names"];
  if (class_names.IsDefined() && class_names.IsSequence()) out.push_back("data.class_names=" + flow_yaml(class_names));
  const YAML::Node transforms = stored["transforms"];
  if (!transforms.IsDefined() || !transforms.IsSequence()) return out;
  // Only where this config has a standardize transform at the same place.
  const ConfigDocument document = ConfigDocument::load(path, overrides);
  std::vector<Options> mine = document.root().section("data").sections("transforms");
  for (size_t i = 0; i < transforms.size() && i < mine.size(); ++i) {
    const YAML::Node t = transforms[i];
    if (!t.IsMap() || !t["type"].IsDefined() || !t["type"].IsScalar() || t["type"].Scalar() != "standardize") continue;
    if (mine[i].scalar("type") != std::optional<std::string>("standardize")) continue;
    for (const char* key : {"mean", "std"}) {
      if (t[key].IsDefined() && t[key].IsSequence()) out.push_back(fmt::format("data.transforms[{}].{}={}", i, key, flow_yaml(t[key])));
    }
  }
  return out;
}

}  // namespace bx
