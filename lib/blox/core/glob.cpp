// Backtracking glob matcher; patterns and paths are short, so no compilation step is needed.
#include "blox/core/glob.h"

namespace bx {

bool glob_match(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern.substr(0, 2) == "**") {
    std::string_view rest = pattern.substr(2);
    for (size_t i = 0; i <= text.size(); ++i) {
      if (glob_match(rest, text.substr(i))) return true;
    }
    return false;
  }
  if (pattern[0] == '*') {
    std::string_view rest = pattern.substr(1);
    for (size_t i = 0; i <= text.size(); ++i) {
      if (glob_match(rest, text.substr(i))) return true;
      if (i < text.size() && text[i] == '/') return false;
    }
    return false;
  }
  if (text.empty()) return false;
  if (pattern[0] == '?' ? text[0] == '/' : pattern[0] != text[0]) return false;
  return glob_match(pattern.substr(1), text.substr(1));
}

bool glob_selects(std::string_view pattern, std::string_view path) {
  if (glob_match(pattern, path)) return true;
  for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
    if (glob_match(pattern, path.substr(0, slash))) return true;
  }
  return false;
}

}  // namespace bx
