// TypeRegistry: the `type:` names of one kind of thing (layers, optimizers, schedules, losses,
// transforms) to their builders and documentation. Filled by explicit register_* calls, never by
// static initialisers (those force whole-archive linking).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/core/suggest.h"
#include "blox/schema/options.h"
#include "blox/schema/settings.h"

namespace bx {

/// What `blox schema` prints about one type.
struct TypeDoc {
  std::string summary;          ///< one line
  std::vector<FieldDoc> fields;  ///< its own keys (empty: none)
};

template <class Builder>
class TypeRegistry {
 public:
  /// `kind` names the things in messages: "layer type", "optimizer", ...
  explicit TypeRegistry(std::string kind) : kind_(std::move(kind)) {}

  /// Throws Error when `type` is registered already.
  void add(const std::string& type, TypeDoc doc, Builder builder) {
    if (!entries_.emplace(type, Entry{std::move(doc), std::move(builder)}).second) {
      throw Error(fmt::format("{} '{}' is registered twice", kind_, type));
    }
  }

  /// Sorted.
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& entry : entries_) out.push_back(entry.first);
    return out;
  }

  /// The builder of `type`, or nullptr.
  const Builder* get(const std::string& type) const {
    auto it = entries_.find(type);
    return it == entries_.end() ? nullptr : &it->second.builder;
  }

  /// The builder of `type`; nullptr after a diagnostic at `options`' `key` (unknown type, with
  /// the known ones and a "did you mean").
  const Builder* find(Options& options, const std::string& key, const std::string& type) const {
    if (const Builder* builder = get(type)) return builder;
    const auto known = types();
    const auto suggestion = closest_match(type, known);
    options.error(key, fmt::format("unknown {} '{}' (known types: {})", kind_, type, fmt::join(known, ", ")),
                  suggestion ? "did you mean '" + *suggestion + "'?" : "");
    return nullptr;
  }

  /// Every type's documentation, sorted by name.
  std::vector<std::pair<std::string, TypeDoc>> docs() const {
    std::vector<std::pair<std::string, TypeDoc>> out;
    for (const auto& [type, entry] : entries_) out.emplace_back(type, entry.doc);
    return out;
  }

 private:
  struct Entry {
    TypeDoc doc;
    Builder builder;
  };
  std::string kind_;
  std::map<std::string, Entry> entries_;
};

}  // namespace bx
