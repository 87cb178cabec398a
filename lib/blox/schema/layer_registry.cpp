// Building layers from specs; construction errors become diagnostics at the offending key.
#include "blox/schema/layer_registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/core/suggest.h"

namespace bx {

LayerBuild::LayerBuild(Options& o, Graph g, std::shared_ptr<const Rng> r, int64_t c, const LayerRegistry& registry,
                       std::map<std::string, std::shared_ptr<const Layer>>& named)
    : options(o), graph(std::move(g)), rng(std::move(r)), classes(c), registry_(registry), named_(named) {}

std::vector<std::shared_ptr<const Layer>> LayerBuild::children(const std::string& key) const {
  std::vector<std::shared_ptr<const Layer>> out;
  const auto specs = options.sections(key);
  if (specs.empty() && !options.has(key)) options.error("", fmt::format("missing required key '{}'", key));
  for (size_t i = 0; i < specs.size(); ++i) {
    auto layer = registry_.build(specs[i], graph, i, rng, classes, named_);
    if (layer) out.push_back(std::move(layer));
  }
  return out;
}

std::shared_ptr<const Layer> LayerBuild::child(const std::string& key) const {
  if (!options.has(key)) {
    options.error("", fmt::format("missing required key '{}'", key));
    options.known(key);
    return nullptr;
  }
  return registry_.build(options.section(key), graph, 0, rng, classes, named_);
}

std::shared_ptr<const Layer> LayerBuild::earlier(const std::string& key, const std::string& relative_path) const {
  auto it = named_.find(relative_path);
  if (it != named_.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& [name, layer] : named_) names.push_back(name);
  const auto suggestion = closest_match(relative_path, names);
  options.error(key, fmt::format("no layer '{}' is built before this one", relative_path),
                suggestion ? "did you mean '" + *suggestion + "'?" : "");
  return nullptr;
}

void LayerRegistry::add_parser(const std::string& type, TypeDoc doc, LayerParser parser) {
  types_.add(type, std::move(doc), std::move(parser));
}

std::shared_ptr<const Layer> LayerRegistry::build(Options spec, const Graph& parent, size_t index,
                                                  std::shared_ptr<const Rng> rng, int64_t classes,
                                                  std::map<std::string, std::shared_ptr<const Layer>>& named) const {
  if (!spec.has("type")) {
    spec.error("", "missing required key 'type'", fmt::format("known types: {}", fmt::join(types(), ", ")));
    return nullptr;
  }
  const std::string type = spec.string("type", "");
  const LayerParser* parser = types_.find(spec, "type", type);
  if (!parser) return nullptr;
  const std::string name = spec.string("name", fmt::format("{}_{}", type, index));
  std::shared_ptr<const Layer> layer;
  try {
    LayerBuild build(spec, parent.child(name), std::move(rng), classes, *this, named);
    layer = (*parser)(build);
  } catch (const SettingError& e) {
    spec.error(spec.has(e.field()) ? e.field() : "", e.what());
  } catch (const ConfigError& e) {
    spec.error("name", e.what());
  }
  spec.finish();
  if (layer) {
    // Paths relative to the model root, for layers that refer to earlier ones (weight tying).
    const std::string& full = layer->path();
    const size_t slash = full.find('/');
    named[slash == std::string::npos ? full : full.substr(slash + 1)] = layer;
  }
  return layer;
}

}  // namespace bx
