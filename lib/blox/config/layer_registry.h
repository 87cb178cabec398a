// LayerRegistry: YAML layer type names to parsers that build static modules from options.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "blox/config/options.h"
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
  /// Throws Error when `type` is registered already.
  void add(const std::string& type, LayerParser parser);
  std::vector<std::string> types() const;

  /// Builds `spec` (a mapping with `type` and an optional `name`, default "<type>_<index>") on
  /// parent.child(name). Every problem becomes a diagnostic at its key; returns nullptr then.
  std::shared_ptr<const Layer> build(Options spec, const Graph& parent, size_t index, std::shared_ptr<const Rng> rng,
                                     int64_t classes, std::map<std::string, std::shared_ptr<const Layer>>& named) const;

  /// Every layer type blox ships.
  static const LayerRegistry& builtin();

 private:
  std::map<std::string, LayerParser> parsers_;
};

}  // namespace bx
