// Formatting of config diagnostics, in the compilers' "file:line:column: error:" form.
#include "blox/schema/diagnostics.h"

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

void Diagnostics::error(Location where, std::string path, std::string message, std::string hint) {
  items_.push_back({std::move(where), std::move(path), std::move(message), std::move(hint)});
}

std::string Diagnostics::report() const {
  std::string out;
  for (const auto& d : items_) {
    // A value made by an override (--set) has no line in any file.
    const std::string where = d.where.line > 0 ? fmt::format("{}:{}:{}", d.where.file, d.where.line, d.where.column)
                                               : d.where.file;
    out += fmt::format("{}: error: {}{}{}\n", where, d.path.empty() ? "" : d.path + ": ", d.message,
                       d.hint.empty() ? "" : " (hint: " + d.hint + ")");
  }
  out += fmt::format("{} error{} in config", items_.size(), items_.size() == 1 ? "" : "s");
  return out;
}

void Diagnostics::throw_if_any() const {
  if (!items_.empty()) throw ConfigError(report());
}

}  // namespace bx
