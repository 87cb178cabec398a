// Character-level text: strict UTF-8 decoding, vocabulary, and training windows.
#include "blox/data/text.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <ATen/ops/from_blob.h>
#include <fmt/format.h>

#include "blox/core/file_text.h"
#include "blox/core/errors.h"
#include "blox/core/utf8.h"

namespace bx {
namespace {

const char* const kVocabularyPath = "data/vocabulary";

}  // namespace

std::u32string read_utf8_file(const std::string& path) {
  std::string why;
  const std::optional<std::string> read = read_file_text(path, &why);
  if (!read) throw DataError(fmt::format("{}: cannot open: {}", path, why));
  const std::string& bytes = *read;
  if (const auto at = invalid_utf8_at(bytes)) throw DataError(fmt::format("{}: invalid UTF-8 at byte {}", path, *at));
  return decode_utf8(bytes);
}

Vocabulary Vocabulary::from_text(const std::u32string& text) {
  Vocabulary v;
  v.chars_.assign(text.begin(), text.end());
  std::sort(v.chars_.begin(), v.chars_.end());
  v.chars_.erase(std::unique(v.chars_.begin(), v.chars_.end()), v.chars_.end());
  return v;
}

Vocabulary Vocabulary::from_tensor(const at::Tensor& code_points) {
  const at::Tensor cp = code_points.to(at::kLong).contiguous();
  Vocabulary v;
  const int64_t* data = cp.data_ptr<int64_t>();
  v.chars_.assign(data, data + cp.numel());
  if (!std::is_sorted(v.chars_.begin(), v.chars_.end())) throw DataError("vocabulary: stored code points are not sorted");
  return v;
}

at::Tensor Vocabulary::as_tensor() const {
  std::vector<int64_t> cp(chars_.begin(), chars_.end());
  return at::from_blob(cp.data(), {size()}, at::kLong).clone();
}

at::Tensor Vocabulary::encode(const std::u32string& text, const std::string& source) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto it = std::lower_bound(chars_.begin(), chars_.end(), text[i]);
    if (it == chars_.end() || *it != text[i]) {
      throw DataError(fmt::format("{}: character '{}' (U+{:04X}) at position {} is not in the vocabulary of {} characters",
                                  source, to_utf8(std::u32string(1, text[i])), static_cast<uint32_t>(text[i]), i, size()));
    }
    ids.push_back(it - chars_.begin());
  }
  return at::from_blob(ids.data(), {static_cast<int64_t>(ids.size())}, at::kLong).clone();
}

std::u32string Vocabulary::decode(const at::Tensor& ids) const {
  const at::Tensor flat = ids.to(at::kLong).contiguous().flatten();
  std::u32string out;
  const int64_t* data = flat.data_ptr<int64_t>();
  for (int64_t i = 0; i < flat.numel(); ++i) {
    if (data[i] < 0 || data[i] >= size()) {
      throw DataError(fmt::format("vocabulary: id {} is out of range [0, {})", data[i], size()));
    }
    out.push_back(chars_[static_cast<size_t>(data[i])]);
  }
  return out;
}

Params Vocabulary::store(const Params& params) const {
  return params.with(kVocabularyPath, Param{as_tensor(), false, {{"tag", "vocabulary"}}});
}

Vocabulary Vocabulary::load(const Params& params) {
  const Param* p = params.find(kVocabularyPath);
  if (p == nullptr) throw ParamsError("no 'data/vocabulary' in these params; hint: was the model trained on text?");
  return from_tensor(p->value);
}

std::optional<Vocabulary> Vocabulary::find(const Params& params) {
  if (!params.contains(kVocabularyPath)) return std::nullopt;
  return load(params);
}

Dataset make_language_model_dataset(const at::Tensor& ids, int64_t length, int64_t stride,
                                          const std::string& source) {
  if (length <= 0) throw ConfigError(fmt::format("{}: sequence length must be > 0, got {}", source, length));
  if (stride <= 0) throw ConfigError(fmt::format("{}: window stride must be > 0, got {}", source, stride));
  if (ids.numel() < length + 1) {
    throw DataError(fmt::format("{}: {} characters are too few for one window of {} + 1", source, ids.numel(), length));
  }
  const int64_t n = ids.numel() - 1;  // the last id is only ever a target
  const at::Tensor inputs = ids.narrow(0, 0, n).unfold(0, length, stride);
  const at::Tensor targets = ids.narrow(0, 1, n).unfold(0, length, stride);
  return make_dataset(inputs.contiguous().clone(), targets.contiguous().clone(), source);
}

std::pair<at::Tensor, at::Tensor> split_text_tail(const at::Tensor& ids, double fraction, int64_t length,
                                                  const std::string& source) {
  if (!(fraction > 0 && fraction < 1)) {
    throw ConfigError(fmt::format("{}: held-out fraction must be in (0, 1), got {}", source, fraction));
  }
  const int64_t n = ids.numel();
  const int64_t held = static_cast<int64_t>(static_cast<double>(n) * fraction);
  if (held < length + 1 || n - held < length + 1) {
    throw DataError(fmt::format("{}: holding out the last {} of {} characters leaves {} and {}: each part needs one "
                                "window of data.sequence_length {} + 1",
                                source, fraction, n, n - held, held, length));
  }
  return {ids.narrow(0, 0, n - held), ids.narrow(0, n - held, held)};
}

}  // namespace bx
