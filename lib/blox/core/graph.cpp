// Graph nodes and the shared record of which module owns which node.
#include "blox/core/graph.h"

#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/utf8.h"

namespace bx {

struct Graph::Bindings {
  std::mutex mutex;
  std::unordered_map<std::string, std::string> kind_by_path;
};

void validate_node_name(const std::string& name) {
  if (name.empty()) throw ConfigError("graph node name is empty; expected a non-empty name such as \"linear\"");
  // Names become param paths, which checkpoints store as JSON: UTF-8 only.
  if (const auto at = invalid_utf8_at(name)) {
    throw ConfigError(fmt::format("graph node name holds invalid UTF-8 at byte {}; expected letters, digits, '_', '-' "
                                  "or '.'", *at));
  }
  for (unsigned char c : name) {
    if (c == '/' || c == '*' || c == '?' || c == '[' || c == ']' || c <= ' ' || c == 0x7f) {
      throw ConfigError(fmt::format(
          "graph node name '{}' holds the character '{}'; expected letters, digits, '_', '-' or '.'",
          name, static_cast<char>(c)));
    }
  }
}

Graph::Graph(const std::string& name)
    : Graph(std::make_shared<Bindings>(), name, name, /*is_root=*/true) {
  validate_node_name(name);
}

Graph::Graph(std::shared_ptr<Bindings> bindings, std::string path, std::string name, bool is_root)
    : bindings_(std::move(bindings)), path_(std::move(path)), name_(std::move(name)), is_root_(is_root) {}

Graph Graph::child(const std::string& name) const {
  validate_node_name(name);
  return Graph(bindings_, path_ + "/" + name, name, /*is_root=*/false);
}

void Graph::bind(const std::string& kind) const {
  if (is_root_) {
    throw ConfigError(fmt::format(
        "cannot bind a {} to the root graph node '{}'; hint: give it a child node, e.g. graph.child(\"{}\")",
        kind, path_, "name"));
  }
  std::lock_guard<std::mutex> lock(bindings_->mutex);
  auto [it, inserted] = bindings_->kind_by_path.emplace(path_, kind);
  if (!inserted) {
    throw ConfigError(fmt::format(
        "graph node '{}' is already bound to a {}; cannot bind a {} there too; "
        "hint: give each module its own node, e.g. graph.child(\"name\")",
        path_, it->second, kind));
  }
}

void Graph::bind_whole_model(const std::string& kind) const {
  std::lock_guard<std::mutex> lock(bindings_->mutex);
  auto [it, inserted] = bindings_->kind_by_path.emplace(path_, kind);
  if (!inserted) {
    throw ConfigError(fmt::format("graph node '{}' is already bound to a {}; cannot bind a {} there too", path_,
                                  it->second, kind));
  }
}

void Graph::unbind() const {
  std::lock_guard<std::mutex> lock(bindings_->mutex);
  bindings_->kind_by_path.erase(path_);
}

std::string Graph::bound_kind() const {
  std::lock_guard<std::mutex> lock(bindings_->mutex);
  auto it = bindings_->kind_by_path.find(path_);
  return it == bindings_->kind_by_path.end() ? std::string() : it->second;
}

}  // namespace bx
