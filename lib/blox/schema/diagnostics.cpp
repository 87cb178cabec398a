// Formatting of config diagnostics, in the compilers' "file:line:column: error:" form.
#include "blox/schema/diagnostics.h"

#include <algorithm>

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

namespace {

bool same(const Diagnostic& a, const Diagnostic& b) {
  return a.where.file == b.where.file && a.where.line == b.where.line && a.where.column == b.where.column &&
         a.path == b.path && a.message == b.message;
}

}  // namespace

void Diagnostics::error(Location where, std::string path, std::string message, std::string hint) {
  // Recorded even when a reader asked before (readers tell their own failure by the count).
  items_.push_back({std::move(where), std::move(path), std::move(message), std::move(hint)});
}

std::string Diagnostics::report() const {
  // Several readers may ask for the same key (a missing required key each time): told once.
  std::vector<Diagnostic> distinct;
  for (const auto& d : items_) {
    if (std::none_of(distinct.begin(), distinct.end(), [&](const Diagnostic& seen) { return same(seen, d); })) {
      distinct.push_back(d);
    }
  }
  std::string out;
  for (const auto& d : distinct) {
    // A value made by an override (--set) has no line in any file.
    const std::string where = d.where.line > 0 ? fmt::format("{}:{}:{}", d.where.file, d.where.line, d.where.column)
                                               : d.where.file;
    out += fmt::format("{}: error: {}{}{}\n", where, d.path.empty() ? "" : d.path + ": ", d.message,
                       d.hint.empty() ? "" : " (hint: " + d.hint + ")");
  }
  out += fmt::format("{} error{} in config", distinct.size(), distinct.size() == 1 ? "" : "s");
  return out;
}

void Diagnostics::throw_if_any() const {
  if (!items_.empty()) throw ConfigError(report());
}

}  // namespace bx
