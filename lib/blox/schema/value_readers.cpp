// Readers of sizes, initializers and padding.
#include "blox/schema/value_readers.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

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

namespace {

// {type: variance_scaling, scale, mode, distribution} and the other initializers with arguments.
Init read_init_mapping(Options o, const Init& fallback) {
  const std::string type =
      o.choice("type", "variance_scaling", {"variance_scaling", "normal", "truncated_normal", "uniform", "constant", "orthogonal"});
  Init out = fallback;
  if (type == "variance_scaling") {
    const double scale = o.number("scale", 1.0);
    o.check(scale > 0, "scale", fmt::format("expected a value > 0, got {}", scale));
    const std::string mode = o.choice("mode", "fan_in", {"fan_in", "fan_out", "fan_avg"});
    const std::string distribution = o.choice("distribution", "truncated_normal", {"truncated_normal", "normal", "uniform"});
    out = init::variance_scaling(scale,
                                 mode == "fan_in" ? init::FanMode::fan_in
                                 : mode == "fan_out" ? init::FanMode::fan_out
                                                     : init::FanMode::fan_avg,
                                 distribution == "uniform" ? init::Distribution::uniform
                                 : distribution == "normal" ? init::Distribution::normal
                                                            : init::Distribution::truncated_normal);
  } else if (type == "normal" || type == "truncated_normal") {
    const double stddev = o.number("stddev", 1.0), mean = o.number("mean", 0.0);
    o.check(stddev > 0, "stddev", fmt::format("expected a value > 0, got {}", stddev));
    out = type == "normal" ? init::normal(stddev, mean) : init::truncated_normal(stddev, mean);
  } else if (type == "uniform") {
    const double low = o.number("low", 0.0), high = o.number("high", 1.0);
    o.check(low < high, "high", fmt::format("expected high > low ({}), got {}", low, high));
    out = init::uniform(low, high);
  } else if (type == "constant") {
    out = init::constant(o.number("value", 0.0));
  } else {
    out = init::orthogonal(o.number("gain", 1.0));
  }
  o.finish();
  return out;
}

}  // namespace

Init read_init(Options& options, const std::string& key, const Init& fallback) {
  if (!options.has(key)) {
    options.known(key);
    return fallback;
  }
  if (!options.scalar(key)) return read_init_mapping(options.section(key), fallback);
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
