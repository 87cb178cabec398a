// Readers for initializers and padding.
#include "blox/config/layer_options.h"

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/suggest.h"

namespace bx {

int64_t read_size(Options& options, const std::string& key, int64_t classes) {
  if (options.scalar(key) == "classes") {
    options.known(key);
    options.check(classes > 0, key, "'classes' needs a dataset that defines its classes (or vocabulary)");
    return classes;
  }
  return options.required_integer(key);
}

Init read_init(Options& options, const std::string& key, const Init& fallback) {
  if (!options.has(key)) {
    options.known(key);
    return fallback;
  }
  const std::string name = options.string(key, "");
  const auto names = init::known_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    const auto suggestion = closest_match(name, names);
    options.error(key, fmt::format("unknown initializer '{}' (known: {})", name, fmt::join(names, ", ")),
                  suggestion ? "did you mean '" + *suggestion + "'?" : "");
    return fallback;
  }
  return init::by_name(name);
}

Padding read_padding(Options& options, const std::string& key, const Padding& fallback) {
  if (!options.has(key)) {
    options.known(key);
    return fallback;
  }
  const auto text = options.scalar(key);
  if (text == "same" || text == "valid") {
    options.known(key);
    return *text == "same" ? Padding::same() : Padding::valid();
  }
  const auto amounts = options.integers(key, {});
  if (amounts.empty()) return fallback;  // integers() reported the problem
  for (int64_t a : amounts) options.check(a >= 0, key, fmt::format("padding must be >= 0, got {}", a));
  return Padding::of(amounts);
}

}  // namespace bx
