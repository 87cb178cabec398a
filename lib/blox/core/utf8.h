// Strict UTF-8: for text data and for names that end up in JSON (checkpoint headers).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bx {

/// The byte offset of the first invalid sequence in `bytes` (a stray continuation byte, a
/// truncated sequence, an overlong form, a surrogate or a value past U+10FFFF), or nothing.
std::optional<size_t> invalid_utf8_at(std::string_view bytes);

/// The code points of `bytes`, which must be valid UTF-8 (check with invalid_utf8_at first).
std::u32string decode_utf8(std::string_view bytes);

/// Code points back to UTF-8.
std::string to_utf8(const std::u32string& text);

}  // namespace bx
