// Graph: the names of a model's modules, as a tree of paths. Holds no tensors and no params.
#pragma once

#include <memory>
#include <string>

namespace bx {

/// A node of a naming tree. `Graph("net").child("mlp").child("hidden").path() == "net/mlp/hidden"`.
/// Nodes are cheap value handles; all nodes of one tree share a record of which node is bound
/// to which module, so two modules on one path is an error at construction.
class Graph {
 public:
  /// A root node. Throws ConfigError if `name` is empty or holds '/', glob characters or spaces.
  explicit Graph(const std::string& name);

  /// The child node `name` (same rules as the root's name). Asking twice gives the same node.
  Graph child(const std::string& name) const;

  /// Full path from the root, '/'-separated.
  const std::string& path() const { return path_; }
  /// Last path component.
  const std::string& name() const { return name_; }
  bool is_root() const { return is_root_; }

  /// Records that a module of kind `kind` owns this node. Throws ConfigError when this is the
  /// root node or when another module already owns it. Used by Module; returns the path.
  void bind(const std::string& kind) const;
  /// Like bind, for the one container that is a whole model and owns its root node.
  void bind_whole_model(const std::string& kind) const;
  /// Releases the node (a module's destructor calls it).
  void unbind() const;
  /// The kind of module bound here, or "" when none.
  std::string bound_kind() const;

 private:
  struct Bindings;
  Graph(std::shared_ptr<Bindings> bindings, std::string path, std::string name, bool is_root);

  std::shared_ptr<Bindings> bindings_;
  std::string path_;
  std::string name_;
  bool is_root_;
};

/// Throws ConfigError unless `name` can be a path component: non-empty, no '/', '*', '?', '[',
/// ']', whitespace or control characters.
void validate_node_name(const std::string& name);

}  // namespace bx
