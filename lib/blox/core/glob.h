// Glob patterns over '/'-separated param paths (freeze, weight-decay masks, rename rules).
#pragma once

#include <string_view>

namespace bx {

/// Full match of `text` against `pattern`: `*` matches any run of characters except '/',
/// `**` any run including '/', `?` one character except '/'. Everything else is literal.
bool glob_match(std::string_view pattern, std::string_view text);

/// True when `pattern` matches `path` itself or one of its ancestor nodes, so that
/// "net/backbone" and "net/conv*" select every param below those nodes.
bool glob_selects(std::string_view pattern, std::string_view path);

}  // namespace bx
