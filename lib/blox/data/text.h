// Plain text for character-level language models: UTF-8 decoding, a vocabulary, windows.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "blox/core/params.h"
#include "blox/core/utf8.h"
#include "blox/data/dataset.h"

namespace bx {

/// A UTF-8 file's code points. Throws DataError naming the file and byte offset of invalid UTF-8.
std::u32string read_utf8_file(const std::string& path);

/// The sorted distinct characters of a training text; id = position.
class Vocabulary {
 public:
  static Vocabulary from_text(const std::u32string& text);
  /// From the int64 code points `as_tensor()` gave (e.g. restored from a checkpoint).
  static Vocabulary from_tensor(const at::Tensor& code_points);

  int64_t size() const { return static_cast<int64_t>(chars_.size()); }
  at::Tensor as_tensor() const;
  /// Ids (int64, 1-D). Throws DataError naming the first character not in the vocabulary and its position.
  at::Tensor encode(const std::u32string& text, const std::string& source) const;
  std::u32string decode(const at::Tensor& ids) const;

  /// Stores the vocabulary with the model: a non-trainable param "data/vocabulary".
  Params store(const Params& params) const;
  /// The vocabulary stored in params; throws ParamsError when there is none.
  static Vocabulary load(const Params& params);
  /// The vocabulary stored in params, or nothing (a model not trained on text).
  static std::optional<Vocabulary> find(const Params& params);

  bool operator==(const Vocabulary& other) const { return chars_ == other.chars_; }
  bool operator!=(const Vocabulary& other) const { return !(*this == other); }

 private:
  std::vector<char32_t> chars_;
};

/// Windows of `length` + 1 ids starting every `stride` ids (stride == length: non-overlapping):
/// inputs (N, length), targets (N, length) shifted by one. Throws DataError when the text is
/// shorter than one window, ConfigError for a length or stride below 1.
Dataset make_language_model_dataset(const at::Tensor& ids, int64_t length, int64_t stride,
                                          const std::string& source);

/// A text's ids cut in two: the first part and its last `fraction` of characters (contiguous, so
/// windows over the first part never hold held-out text). Throws DataError when either part is
/// too short for one window of `length` + 1.
std::pair<at::Tensor, at::Tensor> split_text_tail(const at::Tensor& ids, double fraction, int64_t length,
                                                  const std::string& source);

}  // namespace bx
