// LayerRegistry: YAML layer type names to parsers that build static modules from options.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "blox/schema/options.h"
#include "blox/schema/settings.h"
#include "blox/schema/type_registry.h"
#include "blox/core/graph.h"
#include "blox/core/module.h"
#include "blox/core/rng.h"

namespace bx {

class LayerRegistry;

/// What a layer parser gets: its options (already past `type` and `name`), its own graph node,
/// the model's Rng, and a way to build nested layer specs on child nodes.
class LayerBuild {
 public:
  LayerBuild(Options& options, Graph graph, std::shared_ptr<const Rng> rng, int64_t classes,
             const LayerRegistry& registry, std::map<std::string, std::shared_ptr<const Layer>>& named);

  Options& options;
  const Graph graph;
  const std::shared_ptr<const Rng> rng;
  const int64_t classes;  ///< the dataset's class count or vocabulary size (0: unknown)

  /// The layer specs listed under `key`, built on child nodes of this layer's node.
  std::vector<std::shared_ptr<const Layer>> children(const std::string& key) const;
  /// The layer spec under `key`, built on a child node; nullptr (with a diagnostic) if broken.
  std::shared_ptr<const Layer> child(const std::string& key) const;
  /// A layer built earlier in this model, by its node path relative to the model root
  /// (e.g. "embed"); nullptr with a diagnostic at `key` when there is none.
  std::shared_ptr<const Layer> earlier(const std::string& key, const std::string& relative_path) const;

 private:
  const LayerRegistry& registry_;
  std::map<std::string, std::shared_ptr<const Layer>>& named_;
};

using LayerParser = std::function<std::shared_ptr<const Layer>(LayerBuild& build)>;

/// Filled by explicit register_* calls (no static initializers); duplicates are refused.
class LayerRegistry {
 public:
  LayerRegistry() : types_("layer type") {}

  /// A layer whose keys are all in its settings struct S (see settings.h): they are read over
  /// `defaults`, checked and documented from S's field list; `make(build, settings)` builds it.
  template <class S, class Make>
  void add(const std::string& type, const std::string& summary, S defaults, Make make) {
    add_parser(type, {summary, settings_doc(defaults)},
               [defaults, make](LayerBuild& b) -> std::shared_ptr<const Layer> {
                 const auto settings = read_settings(b.options, defaults, b.classes);
                 if (!settings) return nullptr;
                 return make(b, *settings);
               });
  }
  /// A layer that reads its own keys (containers of other specs); `doc` lists them.
  /// Throws Error when `type` is registered already.
  void add_parser(const std::string& type, TypeDoc doc, LayerParser parser);

  std::vector<std::string> types() const { return types_.types(); }
  std::vector<std::pair<std::string, TypeDoc>> docs() const { return types_.docs(); }

  /// Builds `spec` (a mapping with `type` and an optional `name`, default "<type>_<index>") on
  /// parent.child(name). Every problem becomes a diagnostic at its key; returns nullptr then.
  std::shared_ptr<const Layer> build(Options spec, const Graph& parent, size_t index, std::shared_ptr<const Rng> rng,
                                     int64_t classes, std::map<std::string, std::shared_ptr<const Layer>>& named) const;

 private:
  TypeRegistry<LayerParser> types_;
};

}  // namespace bx
