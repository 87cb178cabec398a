// Block templates expanded on the YAML tree. Copies are fresh mappings and lists (a template's
// nodes are never shared between its uses) holding the template's own key nodes, so a later
// diagnostic about a key still points at its line in the template.
#include "blox/config/blocks.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/core/suggest.h"

namespace bx {
namespace {

constexpr int kMaxDepth = 16;

struct Template {
  std::string name, file;
  YAML::Node layer;
  std::map<std::string, YAML::Node> defaults;
  std::set<std::string> referenced;  // the ${parameters} its layer spec names
};

using Templates = std::map<std::string, Template>;
using Values = std::map<std::string, YAML::Node>;

// Sets a parameter's value. Not `values[name] = node`: assigning to a YAML::Node that refers to
// a node rebinds the node it refers to, and a copied Values map shares the template's default
// nodes, so one use's `with` would become the default of every later use.
void set_value(Values& values, const std::string& name, const YAML::Node& node) {
  values.erase(name);
  values.emplace(name, node);
}

[[noreturn]] void fail(const std::string& file, const YAML::Mark& mark, const std::string& message) {
  if (mark.is_null()) throw ConfigError(fmt::format("{}: error: {}", file, message));
  throw ConfigError(fmt::format("{}:{}:{}: error: {}", file, mark.line + 1, mark.column + 1, message));
}

// The names inside "${...}" in `text`, in order.
std::vector<std::string> parameters_in(const std::string& text) {
  std::vector<std::string> names;
  for (size_t at = text.find("${"); at != std::string::npos; at = text.find("${", at + 2)) {
    const size_t end = text.find('}', at);
    if (end == std::string::npos) break;
    names.push_back(text.substr(at + 2, end - at - 2));
  }
  return names;
}

void collect_parameters(const YAML::Node& node, std::set<std::string>& out) {
  if (node.IsScalar()) {
    for (const auto& p : parameters_in(node.Scalar())) out.insert(p);
  } else if (node.IsSequence()) {
    for (const auto& item : node) collect_parameters(item, out);
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) collect_parameters(it->second, out);
  }
}

// Where each key of a copy came from: its path below the copy's root ("" the root itself) and
// the template's mark there.
using Places = std::vector<std::pair<std::string, YAML::Mark>>;

std::string below(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

// `node` with every ${p} replaced by its value (none when `values` is null: a copy); `dropped`
// says a mapping value was a null parameter. Fresh nodes throughout (shared ones would be
// written as YAML aliases); their places go to `places`.
YAML::Node substitute(const YAML::Node& node, const Values* values, const Template& t, Places& places,
                      const std::string& path = "", bool* dropped = nullptr) {
  if (!node.Mark().is_null()) places.emplace_back(path, node.Mark());
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    const std::vector<std::string> names = values ? parameters_in(text) : std::vector<std::string>();
    if (names.empty()) return YAML::Node(text);
    if (names.size() == 1 && text == "${" + names[0] + "}") {
      const YAML::Node& value = values->at(names[0]);
      if (value.IsNull() && dropped) *dropped = true;
      Places unused;
      return substitute(value, nullptr, t, unused);  // a copy, placed at the template's ${p}
    }
    std::string out = text;
    for (const auto& name : names) {
      const YAML::Node& value = values->at(name);
      if (!value.IsScalar()) {
        fail(t.file, node.Mark(), fmt::format("block '{}': '{}' puts parameter '{}' inside text, but its value is not a "
                                              "single value", t.name, text, name));
      }
      const std::string token = "${" + name + "}";
      out.replace(out.find(token), token.size(), value.Scalar());
    }
    return YAML::Node(out);
  }
  if (node.IsSequence()) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& item : node) {
      list.push_back(substitute(item, values, t, places, fmt::format("{}[{}]", path, list.size())));
    }
    list.SetStyle(node.Style());
    return list;
  }
  if (node.IsMap()) {
    YAML::Node map(YAML::NodeType::Map);
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar(), at = below(path, key);
      bool null_parameter = false;
      YAML::Node value = substitute(it->second, values, t, places, at, &null_parameter);
      if (null_parameter) continue;
      map[key] = value;
      places.emplace_back(at, it->first.Mark());  // the key's line wins over its value's
    }
    map.SetStyle(node.Style());
    return map;
  }
  return YAML::Node(node.Type());
}

class Expander {
 public:
  Expander(Templates templates, SourceMap& sources) : templates_(std::move(templates)), sources_(sources) {}

  // Expands the `use` items inside `node` (in place), found at key path `path`.
  void expand(YAML::Node node, const std::string& path, int depth) {
    if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string child = path + "." + it->first.Scalar();
        if (is_use(it->second)) {
          std::vector<Made> made = instances(it->second, child, depth);
          if (made.size() != 1) fail(file_of(child), it->second.Mark(), "repeat: makes a list of layers; use it in a list");
          place(made[0], child, depth);
          it->second = made[0].node;
        } else if (it->second.IsMap() || it->second.IsSequence()) {
          expand(it->second, child, depth);
        }
      }
    } else if (node.IsSequence()) {
      YAML::Node list(YAML::NodeType::Sequence);
      bool changed = false;
      for (const auto& item : node) {
        const std::string child = fmt::format("{}[{}]", path, list.size());
        if (is_use(item)) {
          for (Made& made : instances(item, child, depth)) {
            place(made, fmt::format("{}[{}]", path, list.size()), depth);
            list.push_back(made.node);
          }
          changed = true;
        } else {
          expand(item, child, depth);
          list.push_back(item);
        }
      }
      if (changed) node = list;
    }
  }

 private:
  struct Made {
    YAML::Node node;
    std::string file;  // the template's
    Places places;
  };

  static bool is_use(const YAML::Node& node) { return node.IsMap() && node["use"]; }

  // A copy at its final key path: its file and places recorded, the uses inside it expanded.
  void place(Made& made, const std::string& path, int depth) {
    sources_.set(path, made.file);
    for (const auto& [below_root, mark] : made.places) {
      if (mark.is_null()) continue;
      const std::string at = below_root.empty() ? path : below_root[0] == '[' ? path + below_root : path + "." + below_root;
      sources_.set_place(at, mark.line + 1, mark.column + 1);
    }
    if (is_use(made.node)) {  // a block that is another block's use
      std::vector<Made> inner = instances(made.node, path, depth + 1);
      if (inner.size() != 1) fail(made.file, made.node.Mark(), "repeat: makes a list of layers; use it in a list");
      place(inner[0], path, depth + 1);
      made.node = inner[0].node;
      return;
    }
    expand(made.node, path, depth + 1);
  }

  std::string file_of(const std::string& path) const { return sources_.file_for(path); }

  std::vector<Made> instances(const YAML::Node& item, const std::string& path, int depth) {
    const std::string file = file_of(path);
    if (depth >= kMaxDepth) {
      fail(file, item.Mark(), fmt::format("blocks nest more than {} deep (does a block use itself?)", kMaxDepth));
    }
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (key != "use" && key != "name" && key != "with" && key != "repeat") {
        fail(file, it->first.Mark(), fmt::format("'{}' in a `use` item, which takes use, name, with and repeat; hint: "
                                                 "make it a ${{parameter}} of the block and give it in `with`", key));
      }
    }
    const std::string use = item["use"].Scalar();
    const auto found = templates_.find(use);
    if (found == templates_.end()) {
      std::vector<std::string> names;
      for (const auto& [name, t] : templates_) names.push_back(name);
      fail(file, item["use"].Mark(),
           fmt::format("no block '{}' in model.blocks{}{}", use, names.empty() ? " (there are none)" : "",
                       did_you_mean(use, names)));
    }
    const Template& t = found->second;
    Values values = t.defaults;
    if (const YAML::Node with = item["with"]) {
      if (!with.IsMap()) fail(file, with.Mark(), "with: expected a mapping of the block's parameters");
      for (auto it = with.begin(); it != with.end(); ++it) {
        const std::string name = it->first.Scalar();
        if (!t.referenced.count(name) && !t.defaults.count(name)) {
          const std::vector<std::string> known(t.referenced.begin(), t.referenced.end());
          fail(file, it->first.Mark(), fmt::format("block '{}' has no parameter '{}' (its parameters: {}){}", use, name,
                                                   fmt::join(known, ", "), did_you_mean(name, known)));
        }
        set_value(values, name, it->second);
      }
    }
    // Which indices: one use, or a run of them.
    std::vector<int64_t> indices;
    const YAML::Node repeat = item["repeat"];
    if (repeat) {
      int64_t first = 0, last = -1;
      try {
        if (repeat.IsScalar()) {
          last = repeat.as<int64_t>() - 1;
        } else if (repeat.IsSequence() && repeat.size() == 2) {
          first = repeat[0].as<int64_t>();
          last = repeat[1].as<int64_t>();
        }
      } catch (const YAML::Exception&) {
        last = -1;
      }
      if (last < first || first < 0) {
        fail(file, repeat.Mark(), "repeat: expected a count >= 1, or [first, last] with 0 <= first <= last");
      }
      for (int64_t i = first; i <= last; ++i) indices.push_back(i);
    }
    const bool repeated = !indices.empty();
    if (!repeated) indices.push_back(0);
    std::vector<Made> made;
    for (const int64_t index : indices) {
      Values these = values;
      if (repeated) set_value(these, "index", YAML::Node(index));
      for (const auto& name : t.referenced) {
        if (!these.count(name)) {
          fail(file, item.Mark(), fmt::format("block '{}' needs parameter '{}'; give it in `with`{}", use, name,
                                              name == "index" ? " (or use repeat, which sets it)" : ""));
        }
      }
      Made copy{YAML::Node(), t.file, {}};
      YAML::Node layer = substitute(t.layer, &these, t, copy.places);
      std::string name;
      if (const YAML::Node n = item["name"]) {
        name = n.Scalar();
        for (const auto& p : parameters_in(name)) {
          if (p != "index" || !repeated) fail(file, n.Mark(), fmt::format("name: only ${{index}} (with repeat) is set here, not ${{{}}}", p));
          name.replace(name.find("${index}"), 8, std::to_string(index));
        }
        if (repeated && parameters_in(n.Scalar()).empty()) {
          fail(file, n.Mark(), "name: with repeat, the names must differ: put ${index} in it (the default is the index)");
        }
      } else if (repeated) {
        name = std::to_string(index);
      }
      if (!name.empty()) {
        layer.remove("name");
        layer["name"] = name;
        copy.places.emplace_back("name", item["name"] ? item["name"].Mark() : item.Mark());
      }
      copy.node = layer;
      made.push_back(std::move(copy));
    }
    return made;
  }

  Templates templates_;
  SourceMap& sources_;
};

Templates read_templates(const YAML::Node& blocks, const SourceMap& sources) {
  Templates templates;
  const std::string file = sources.file_for("model.blocks");
  if (!blocks.IsMap()) fail(file, blocks.Mark(), "model.blocks: expected a mapping of block names to {with, layer}");
  for (auto it = blocks.begin(); it != blocks.end(); ++it) {
    Template t;
    t.name = it->first.Scalar();
    t.file = sources.file_for("model.blocks." + t.name);
    const YAML::Node spec = it->second;  // a copy: the iterator hands out a temporary pair
    if (!spec.IsMap() || !spec["layer"] || !spec["layer"].IsMap()) {
      fail(t.file, spec.Mark(), fmt::format("model.blocks.{}: expected {{with: {{defaults}}, layer: {{a layer spec}}}}", t.name));
    }
    for (auto key = spec.begin(); key != spec.end(); ++key) {
      const std::string k = key->first.Scalar();
      if (k != "layer" && k != "with") {
        fail(t.file, key->first.Mark(), fmt::format("model.blocks.{}: unknown key '{}' (a block has layer and with)", t.name, k));
      }
    }
    t.layer = spec["layer"];
    collect_parameters(t.layer, t.referenced);
    if (const YAML::Node with = spec["with"]) {
      if (!with.IsMap()) fail(t.file, with.Mark(), fmt::format("model.blocks.{}.with: expected a mapping of defaults", t.name));
      for (auto d = with.begin(); d != with.end(); ++d) set_value(t.defaults, d->first.Scalar(), d->second);
    }
    templates.emplace(t.name, std::move(t));
  }
  return templates;
}

}  // namespace

void expand_blocks(YAML::Node root, SourceMap& sources) {
  YAML::Node model = root["model"];
  if (!model || !model.IsMap()) return;
  Templates templates;
  if (const YAML::Node blocks = model["blocks"]) templates = read_templates(blocks, sources);
  model.remove("blocks");
  Expander expander(std::move(templates), sources);
  for (auto it = model.begin(); it != model.end(); ++it) {
    if (it->second.IsMap() || it->second.IsSequence()) expander.expand(it->second, "model." + it->first.Scalar(), 0);
  }
}

}  // namespace bx
