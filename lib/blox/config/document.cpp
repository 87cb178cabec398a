// Loading, include merging and overrides over yaml-cpp documents.
#include "blox/config/document.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "blox/config/blocks.h"
#include "blox/core/file_text.h"
#include "blox/schema/options_node.h"
#include "blox/core/errors.h"
#include "blox/core/utf8.h"

namespace bx {

struct ConfigDocument::State {
  YAML::Node root;
  std::shared_ptr<SourceMap> sources;
};

namespace {

namespace fs = std::filesystem;

std::string located(const std::string& path, const YAML::Mark& mark) {
  return fmt::format("{}:{}:{}", path, mark.line + 1, mark.column + 1);
}

// What yaml-cpp accepts silently and a config must not hold: a key twice in one mapping (one
// value would be lost), tags of its own (they mean nothing to blox).
void require_plain(const YAML::Node& node, const std::string& path) {
  const std::string& tag = node.Tag();
  if (!tag.empty() && tag != "?" && tag != "!" && tag.rfind("tag:yaml.org,2002:", 0) != 0) {
    throw ConfigError(fmt::format("{}: error: unknown YAML tag '{}'; a config holds plain values", located(path, node.Mark()),
                                  tag));
  }
  if (node.IsMap()) {
    std::map<std::string, YAML::Mark> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      const auto [first, inserted] = seen.emplace(key, it->first.Mark());
      if (!inserted) {
        throw ConfigError(fmt::format("{}: error: duplicate key '{}' (first at line {}); one value would be lost",
                                      located(path, it->first.Mark()), key, first->second.line + 1));
      }
      require_plain(it->second, path);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) require_plain(item, path);
  }
}

// A config's nodes once its aliases are expanded: far above any real config, far below what
// exhausts memory (a "billion laughs" document of nested aliases).
constexpr int64_t kMaxExpandedNodes = 1'000'000;

// Where each document starts and the last event of the first one; and, on the first document,
// what its aliases would expand to: an alias inside the node it names (a cycle: yaml-cpp builds
// a node graph that every walk follows forever) or more than kMaxExpandedNodes nodes is a
// problem, found on the events, before yaml-cpp builds anything.
class DocumentMarks : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  YAML::Mark last_of_first;
  std::optional<std::pair<YAML::Mark, std::string>> problem;

  void OnDocumentStart(const YAML::Mark& mark) override {
    starts.push_back(mark);
    open_.assign(1, {0, 0});
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    seen(mark);
    if (starts.size() != 1 || problem) return;
    for (const Open& o : open_) {
      if (o.anchor == anchor && anchor != 0) {
        problem = {{mark, "an alias inside the node it refers to (a cycle); a config cannot hold one"}};
        return;
      }
    }
    add(mark, sizes_.count(anchor) ? sizes_[anchor] : 1);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    leaf(mark, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    start(mark, anchor);
  }
  void OnSequenceEnd() override { end(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    start(mark, anchor);
  }
  void OnMapEnd() override { end(); }

 private:
  struct Open {
    YAML::anchor_t anchor;
    int64_t nodes;  ///< expanded nodes so far, this one included
  };

  void seen(const YAML::Mark& mark) {
    if (starts.size() == 1) last_of_first = mark;
  }
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    seen(mark);
    if (starts.size() != 1) return;
    if (anchor != 0) sizes_[anchor] = 1;
    add(mark, 1);
  }
  void start(const YAML::Mark& mark, YAML::anchor_t anchor) {
    seen(mark);
    if (starts.size() == 1) open_.push_back({anchor, 1});
  }
  void end() {
    if (starts.size() != 1 || open_.size() < 2) return;
    const Open done = open_.back();
    open_.pop_back();
    if (done.anchor != 0) sizes_[done.anchor] = done.nodes;
    open_.back().nodes = std::min(kMaxExpandedNodes + 1, open_.back().nodes + done.nodes);
  }
  void add(const YAML::Mark& mark, int64_t nodes) {
    Open& top = open_.back();
    top.nodes = std::min(kMaxExpandedNodes + 1, top.nodes + nodes);
    if (top.nodes > kMaxExpandedNodes && !problem) {
      problem = {{mark, fmt::format("its aliases expand to more than {} nodes; a config cannot be that large",
                                    kMaxExpandedNodes)}};
    }
  }

  std::vector<Open> open_;
  std::map<YAML::anchor_t, int64_t> sizes_;
};

// A config is one YAML document. Counted on parser events, two documents at most: yaml-cpp's
// LoadAll loops forever on some malformed input (an unmatched '}' after a flow mapping), where
// the parser reports documents without moving on.
void require_one_document(const std::string& text, const std::string& path) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentMarks marks;
  for (int i = 0; i < 2 && parser.HandleNextDocument(marks); ++i) {
  }
  if (marks.problem) {
    throw ConfigError(fmt::format("{}: error: {}", located(path, marks.problem->first), marks.problem->second));
  }
  if (marks.starts.size() < 2) return;
  if (marks.starts[1].pos <= marks.last_of_first.pos) {
    throw ConfigError(fmt::format("{}: error: YAML syntax: the parser cannot go on after this point (an unmatched '}}' "
                                  "or ']'?)", located(path, marks.last_of_first)));
  }
  throw ConfigError(fmt::format("{}: error: a second YAML document (after '---'); a config is one document",
                                located(path, marks.starts[1])));
}

// Far above any config; a file past it (or a device such as /dev/zero) is not one.
constexpr uintmax_t kMaxConfigBytes = 16u << 20;

std::string read_config_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw ConfigError(fmt::format("{}: is a directory, expected a YAML config file", path));
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec)) {
    throw ConfigError(fmt::format("{}: is not a regular file (a device or a pipe?), expected a YAML config file", path));
  }
  if (const uintmax_t size = fs::file_size(path, ec); !ec && size > kMaxConfigBytes) {
    throw ConfigError(fmt::format("{}: {} bytes; a config file is at most {} MiB", path, size, kMaxConfigBytes >> 20));
  }
  std::optional<std::string> text = read_file_text(path);
  if (!text) throw ConfigError(fmt::format("{}: cannot read the config file", path));
  return std::move(*text);
}

// `text` is the config named `path` in messages.
YAML::Node parse_text(const std::string& text, const std::string& path) {
  // Every string of a config may reach a checkpoint's JSON header: UTF-8 only, as YAML says.
  if (const auto at = invalid_utf8_at(text)) {
    const auto before = text.begin() + static_cast<std::ptrdiff_t>(*at);
    const size_t column = static_cast<size_t>(std::find(std::make_reverse_iterator(before), text.rend(), '\n') -
                                              std::make_reverse_iterator(before)) + 1;
    throw ConfigError(fmt::format("{}:{}:{}: error: invalid UTF-8 (byte {} of the file); a config is UTF-8 text", path,
                                  1 + std::count(text.begin(), before, '\n'),
                                  column, *at));
  }
  try {
    require_one_document(text, path);
    YAML::Node node = YAML::Load(text);
    if (node.IsNull()) return YAML::Node(YAML::NodeType::Map);
    require_plain(node, path);
    if (!node.IsMap()) {
      throw ConfigError(fmt::format("{}:{}:{}: error: a config must be a mapping of sections", path, node.Mark().line + 1,
                                    node.Mark().column + 1));
    }
    return node;
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}:{}: error: YAML syntax: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

// Copies `over` onto `base`: mappings merge key by key, anything else is replaced. Records the
// file of every replaced subtree.
void merge(YAML::Node base, const YAML::Node& over, const std::string& path, const std::string& file, SourceMap& sources) {
  for (auto it = over.begin(); it != over.end(); ++it) {
    const std::string key = it->first.Scalar();
    const std::string child = path.empty() ? key : path + "." + key;
    if (base[key].IsMap() && it->second.IsMap()) {
      merge(base[key], it->second, child, file, sources);
    } else {
      // Insert the original key node, so diagnostics about the key keep its line and column.
      base.remove(key);
      base.force_insert(it->first, it->second);
      sources.set(child, file);
    }
  }
}

// `text`: the config's own text when it is not read from `path` (a checkpoint's stored config).
YAML::Node load_with_includes(const std::string& path, SourceMap& sources, std::set<std::string>& active,
                              const std::string* text = nullptr) {
  const std::string canonical = fs::weakly_canonical(path).string();
  if (!active.insert(canonical).second) throw ConfigError(fmt::format("{}: include cycle through this file", path));
  YAML::Node own = parse_text(text ? *text : read_config_file(path), path);
  YAML::Node result(YAML::NodeType::Map);
  if (own["include"]) {
    const YAML::Node inc = own["include"];
    std::vector<std::string> files;
    if (inc.IsScalar()) files.push_back(inc.Scalar());
    if (inc.IsSequence()) {
      for (const auto& f : inc) files.push_back(f.Scalar());
    }
    if (files.empty()) {
      throw ConfigError(fmt::format("{}:{}:{}: error: include: expected a file or a list of files", path,
                                    inc.Mark().line + 1, inc.Mark().column + 1));
    }
    for (const auto& f : files) {
      const std::string resolved = (fs::path(path).parent_path() / f).string();
      std::error_code ec;
      if (!fs::exists(resolved, ec)) {
        throw ConfigError(fmt::format("{}:{}:{}: error: include: no such file '{}'", path, inc.Mark().line + 1,
                                      inc.Mark().column + 1, resolved));
      }
      merge(result, load_with_includes(resolved, sources, active), "", resolved, sources);
    }
    own.remove("include");
  }
  merge(result, own, "", path, sources);
  active.erase(canonical);
  return result;
}


void apply_override(YAML::Node root, const std::string& text, SourceMap& sources) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError(fmt::format("--set '{}': expected key.path=value", text));
  }
  if (const auto at = invalid_utf8_at(text)) {
    throw ConfigError(fmt::format("--set: invalid UTF-8 at byte {} of the override", *at));
  }
  const std::string key = text.substr(0, eq);
  // `--set key=""` reaches here as "key=": an empty string, where YAML would read nothing (null).
  const std::string raw = text.substr(eq + 1);
  YAML::Node value(std::string{});
  try {
    if (!raw.empty()) require_one_document(raw, fmt::format("--set '{}'", text));  // and no alias cycle or bomb
    if (!raw.empty()) value = YAML::Load(raw);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("--set '{}': the value is not valid YAML: {}", text, e.msg));
  }
  const auto parts = split_key_path(key);
  if (parts.empty()) throw ConfigError(fmt::format("--set '{}': empty key path", text));
  if (key.find("..") != std::string::npos || key.front() == '.' || key.back() == '.') {
    throw ConfigError(fmt::format("--set '{}': an empty part in the key path '{}'", text, key));
  }
  std::vector<YAML::Node> chain{root};
  std::string walked;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node here = chain.back();
    walked += (walked.empty() ? "" : ".") + parts[i];
    if (here.IsSequence()) {
      size_t index = 0;
      try {
        index = std::stoul(parts[i]);
      } catch (const std::exception&) {
        throw ConfigError(fmt::format("--set '{}': '{}' is a list; expected an index, got '{}'", text, walked, parts[i]));
      }
      if (index >= here.size()) {
        throw ConfigError(fmt::format("--set '{}': '{}' has {} items", text, walked, here.size()));
      }
      chain.push_back(here[index]);
    } else {
      if (here.IsScalar()) throw ConfigError(fmt::format("--set '{}': '{}' is a value, not a section", text, walked));
      if (!here[parts[i]]) here[parts[i]] = YAML::Node(YAML::NodeType::Map);
      chain.push_back(here[parts[i]]);
    }
  }
  YAML::Node parent = chain.back();
  const std::string parent_path = key.substr(0, key.size() - parts.back().size() - (key.back() == ']' ? 2 : 1));
  if (parent.IsScalar()) {
    throw ConfigError(fmt::format("--set '{}': '{}' is a value, not a section or a list", text, parent_path));
  }
  if (parent.IsSequence()) {
    const std::string& last = parts.back();
    if (last.empty() || !std::all_of(last.begin(), last.end(), ::isdigit)) {
      throw ConfigError(fmt::format("--set '{}': '{}' is a list; expected an index, got '{}'", text, parent_path, last));
    }
    const size_t index = std::stoul(last);
    if (index >= parent.size()) throw ConfigError(fmt::format("--set '{}': the list has {} items", text, parent.size()));
    parent[index] = value;
  } else {
    parent[parts.back()] = value;
  }
  std::string normalized;
  for (const auto& p : parts) {
    const bool index = !p.empty() && std::all_of(p.begin(), p.end(), ::isdigit);
    normalized += index ? "[" + p + "]" : (normalized.empty() ? p : "." + p);
  }
  sources.set(normalized, "--set " + text);
}

}  // namespace

std::vector<std::string> split_key_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : path) {
    if (c == '.' || c == '[' || c == ']') {
      if (!current.empty()) parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) parts.push_back(current);
  return parts;
}

std::string yaml_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

ConfigDocument ConfigDocument::load(const std::string& path, const std::vector<std::string>& overrides) {
  return load(path, overrides, nullptr);
}

ConfigDocument ConfigDocument::parse(const std::string& text, const std::string& path,
                                     const std::vector<std::string>& overrides) {
  return load(path, overrides, &text);
}

ConfigDocument ConfigDocument::load(const std::string& path, const std::vector<std::string>& overrides,
                                    const std::string* text) {
  ConfigDocument doc;
  doc.path_ = path;
  doc.state_ = std::make_shared<State>();
  doc.state_->sources = std::make_shared<SourceMap>(path);
  std::set<std::string> active;
  doc.state_->root = load_with_includes(path, *doc.state_->sources, active, text);
  for (const auto& o : overrides) apply_override(doc.state_->root, o, *doc.state_->sources);
  expand_blocks(doc.state_->root, *doc.state_->sources);
  doc.diagnostics_ = std::make_shared<Diagnostics>();
  return doc;
}

Options ConfigDocument::root() const {
  return Options(std::make_shared<Options::Node>(Options::Node{state_->root, state_->sources}), "", diagnostics_);
}

std::string ConfigDocument::dump() const {
  YAML::Emitter out;
  out << state_->root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace bx
