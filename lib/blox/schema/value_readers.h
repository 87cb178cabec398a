// Readers of value types that settings share: sizes, initializers and padding.
#pragma once

#include <string>

#include "blox/schema/options.h"
#include "blox/core/init.h"
#include "blox/core/padding.h"

namespace bx {

/// A required size: an integer, or "classes" for the dataset's class count (or vocabulary size).
int64_t read_size(Options& options, const std::string& key, int64_t classes);

/// An initializer by name ("he_normal", "zeros", ...) or as a mapping with arguments
/// ({type: variance_scaling, scale, mode, distribution}, {type: uniform, low, high}, ...);
/// absent: `fallback`.
Init read_init(Options& options, const std::string& key, const Init& fallback);

/// "valid", "same", an integer, or a list of integers; absent: `fallback`.
Padding read_padding(Options& options, const std::string& key, const Padding& fallback);

}  // namespace bx
