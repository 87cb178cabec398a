// Options over yaml-cpp nodes. yaml-cpp nodes are handles into one shared document, so writing
// a default into a mapping here fills in the resolved config that --print-config shows.
#include "blox/schema/options.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "blox/schema/options_node.h"
#include "blox/core/suggest.h"

namespace bx {

namespace {

const char* const kStringTag = "tag:yaml.org,2002:str";

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "null (for the default, leave the key out)";
    case YAML::NodeType::Scalar:
      return node.Tag() == kStringTag ? "the string '" + node.Scalar() + "' (tagged !!str)" : "'" + node.Scalar() + "'";
    default:
      return "an undefined value";
  }
}

template <typename T>
std::optional<T> parse_scalar(const YAML::Node& node) {
  // `!!str 0` is a string however it reads: not a number, nor a boolean.
  if (!node.IsScalar() || node.Tag() == kStringTag) return std::nullopt;
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

// yaml-cpp reads "1.5" as an int64 failure but "true" as a double failure; both wanted.
std::optional<int64_t> parse_integer(const YAML::Node& node) {
  auto d = parse_scalar<double>(node);
  auto i = parse_scalar<int64_t>(node);
  if (!i || !d) return std::nullopt;
  return i;
}

}  // namespace

Options::Options(std::shared_ptr<Node> node, std::string path, std::shared_ptr<Diagnostics> diagnostics)
    : node_(std::move(node)), path_(std::move(path)), diagnostics_(std::move(diagnostics)) {}

bool Options::has(const std::string& key) const { return node_->yaml.IsMap() && node_->yaml[key].IsDefined(); }

std::optional<std::string> Options::scalar(const std::string& key) const {
  if (!has(key) || !node_->yaml[key].IsScalar()) return std::nullopt;
  return node_->yaml[key].Scalar();
}

std::string Options::key_path(const std::string& key) const {
  if (key.empty()) return path_;
  return path_.empty() ? key : path_ + "." + key;
}

Location Options::location(const std::string& key) const {
  YAML::Node node = node_->yaml;
  if (!key.empty() && has(key)) {
    // The key's own mark, found by iterating: a value's mark may point past the key.
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.Scalar() == key) {
        const YAML::Mark mark = it->second.IsNull() ? it->first.Mark() : it->second.Mark();
        const std::string at = key_path(key);
        if (const auto place = mark.is_null() ? node_->sources->place_for(at) : std::nullopt) {
          return {node_->sources->file_for(at), place->first, place->second};  // made by a block template
        }
        return {node_->sources->file_for(at), mark.line + 1, mark.column + 1};
      }
    }
  }
  const YAML::Mark mark = node.Mark();
  if (const auto place = mark.is_null() ? node_->sources->place_for(path_) : std::nullopt) {
    return {node_->sources->file_for(path_), place->first, place->second};
  }
  // A mapping made by merging has no mark of its own: point at the file's start.
  if (mark.line < 0) return {node_->sources->file_for(path_), 1, 1};
  return {node_->sources->file_for(path_), mark.line + 1, mark.column + 1};
}

void Options::known(const std::string& key) { known_.push_back(key); }

void Options::set_string(const std::string& key, const std::string& value) { node_->yaml[key] = value; }

void Options::set_strings(const std::string& key, const std::vector<std::string>& values) {
  YAML::Node list(YAML::NodeType::Sequence);
  for (const auto& v : values) list.push_back(v);
  list.SetStyle(YAML::EmitterStyle::Flow);
  node_->yaml[key] = list;
}

void Options::set_numbers(const std::string& key, const std::vector<double>& values) {
  YAML::Node list(YAML::NodeType::Sequence);
  for (double v : values) list.push_back(fmt::format("{}", v));  // shortest text that reads back the same double
  list.SetStyle(YAML::EmitterStyle::Flow);
  node_->yaml[key] = list;
}

void Options::error(const std::string& key, const std::string& message, const std::string& hint) {
  diagnostics_->error(location(key), key_path(key), message, hint);
}

void Options::check(bool ok, const std::string& key, const std::string& message, const std::string& hint) {
  if (!ok) error(key, message, hint);
}

int64_t Options::integer(const std::string& key, int64_t fallback) {
  known(key);
  if (!has(key)) {
    node_->yaml[key] = fallback;
    return fallback;
  }
  auto v = parse_integer(node_->yaml[key]);
  if (!v) {
    error(key, fmt::format("expected an integer, got {}", describe(node_->yaml[key])));
    return fallback;
  }
  return *v;
}

double Options::number(const std::string& key, double fallback) {
  known(key);
  if (!has(key)) {
    node_->yaml[key] = fmt::format("{}", fallback);  // shortest form: 0.9, not 0.90000000000000002
    return fallback;
  }
  auto v = parse_scalar<double>(node_->yaml[key]);
  if (!v || parse_scalar<bool>(node_->yaml[key])) {
    error(key, fmt::format("expected a number, got {}", describe(node_->yaml[key])));
    return fallback;
  }
  return *v;
}

bool Options::boolean(const std::string& key, bool fallback) {
  known(key);
  if (!has(key)) {
    node_->yaml[key] = fallback;
    return fallback;
  }
  auto v = parse_scalar<bool>(node_->yaml[key]);
  if (!v) {
    error(key, fmt::format("expected true or false, got {}", describe(node_->yaml[key])));
    return fallback;
  }
  return *v;
}

std::string Options::string(const std::string& key, const std::string& fallback) {
  known(key);
  if (!has(key)) {
    node_->yaml[key] = fallback;
    return fallback;
  }
  const YAML::Node node = node_->yaml[key];
  if (!node.IsScalar()) {
    error(key, fmt::format("expected a string, got {}", describe(node)));
    return fallback;
  }
  return node.Scalar();
}

std::string Options::choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed) {
  const std::string value = string(key, fallback);
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
  const auto suggestion = closest_match(value, allowed);
  error(key, fmt::format("expected one of {}, got '{}'", fmt::join(allowed, ", "), value),
        suggestion ? "did you mean '" + *suggestion + "'?" : "");
  return fallback;
}

namespace {
template <typename T, typename Parse>
std::vector<T> read_list(Options& o, YAML::Node node, const std::string& key, const char* what, Parse parse) {
  std::vector<T> out;
  auto add = [&](const YAML::Node& item) {
    auto v = parse(item);
    if (!v) {
      o.error(key, fmt::format("expected {} or a list of them, got {}", what, describe(item)));
      return false;
    }
    out.push_back(*v);
    return true;
  };
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!add(item)) return {};
    }
  } else if (!add(node)) {
    return {};
  }
  return out;
}
}  // namespace

std::vector<int64_t> Options::integers(const std::string& key, const std::vector<int64_t>& fallback) {
  known(key);
  if (!has(key)) {
    node_->yaml[key] = fallback;
    return fallback;
  }
  auto v = read_list<int64_t>(*this, node_->yaml[key], key, "an integer", parse_integer);
  return v.empty() ? fallback : v;
}

std::vector<double> Options::numbers(const std::string& key, const std::vector<double>& fallback) {
  known(key);
  if (!has(key)) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (double v : fallback) list.push_back(fmt::format("{}", v));
    node_->yaml[key] = list;
    return fallback;
  }
  auto v = read_list<double>(*this, node_->yaml[key], key, "a number", parse_scalar<double>);
  return v.empty() ? fallback : v;
}

std::vector<std::string> Options::strings(const std::string& key, const std::vector<std::string>& fallback) {
  known(key);
  if (!has(key)) {
    node_->yaml[key] = fallback;
    return fallback;
  }
  return read_list<std::string>(*this, node_->yaml[key], key, "a string", parse_scalar<std::string>);
}

int64_t Options::required_integer(const std::string& key) {
  if (!has(key)) {
    known(key);
    error("", fmt::format("missing required key '{}'", key));
    return 0;
  }
  return integer(key, 0);
}

std::string Options::required_string(const std::string& key) {
  if (!has(key)) {
    known(key);
    error("", fmt::format("missing required key '{}'", key));
    return "";
  }
  return string(key, "");
}

Options Options::section(const std::string& key) {
  known(key);
  if (!has(key)) node_->yaml[key] = YAML::Node(YAML::NodeType::Map);
  YAML::Node node = node_->yaml[key];
  if (!node.IsMap()) {
    if (!node.IsNull()) error(key, fmt::format("expected a mapping, got {}", describe(node)));
    node_->yaml[key] = YAML::Node(YAML::NodeType::Map);
    node = node_->yaml[key];
  }
  return Options(std::make_shared<Node>(Node{node, node_->sources}), key_path(key), diagnostics_);
}

std::vector<Options> Options::sections(const std::string& key) {
  known(key);
  std::vector<Options> out;
  if (!has(key)) return out;
  YAML::Node node = node_->yaml[key];
  if (!node.IsSequence()) {
    error(key, fmt::format("expected a list, got {}", describe(node)));
    return out;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = fmt::format("{}[{}]", key_path(key), i);
    YAML::Node item = node[i];
    if (!item.IsMap()) {
      const YAML::Mark mark = item.Mark();
      diagnostics_->error({node_->sources->file_for(item_path), mark.line + 1, mark.column + 1}, item_path,
                          fmt::format("expected a mapping, got {}", describe(item)));
      continue;
    }
    out.emplace_back(std::make_shared<Node>(Node{item, node_->sources}), item_path, diagnostics_);
  }
  return out;
}

void Options::finish() {
  if (!node_->yaml.IsMap()) return;
  for (auto it = node_->yaml.begin(); it != node_->yaml.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    const auto suggestion = closest_match(key, known_);
    const YAML::Mark mark = it->first.Mark();
    diagnostics_->error({node_->sources->file_for(key_path(key)), mark.line + 1, mark.column + 1}, key_path(key),
                        fmt::format("unknown key '{}'", key), suggestion ? "did you mean '" + *suggestion + "'?" : "");
  }
}

}  // namespace bx
