// Padding arithmetic shared by convolutions and pools.
#include "blox/core/padding.h"

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

std::vector<int64_t> per_dim(const std::vector<int64_t>& values, size_t dims, const std::string& what,
                             const std::string& where) {
  if (values.size() == 1) return std::vector<int64_t>(dims, values[0]);
  if (values.size() != dims) {
    throw SettingError(what, fmt::format("{}: {} needs 1 or {} values, got {}", where, what, dims, values.size()));
  }
  return values;
}

std::vector<std::pair<int64_t, int64_t>> resolve_padding(const Padding& padding, c10::IntArrayRef input,
                                                         c10::IntArrayRef window, c10::IntArrayRef stride,
                                                         c10::IntArrayRef dilation, const std::string& where) {
  const size_t dims = input.size();
  std::vector<std::pair<int64_t, int64_t>> pads(dims, {0, 0});
  if (padding.kind == Padding::Kind::explicit_amounts) {
    const auto amounts = per_dim(padding.amounts, dims, "padding", where);
    for (size_t d = 0; d < dims; ++d) pads[d] = {amounts[d], amounts[d]};
  } else if (padding.kind == Padding::Kind::same) {
    for (size_t d = 0; d < dims; ++d) {
      const int64_t out = (input[d] + stride[d] - 1) / stride[d];
      const int64_t span = (window[d] - 1) * dilation[d] + 1;
      const int64_t total = std::max<int64_t>((out - 1) * stride[d] + span - input[d], 0);
      pads[d] = {total / 2, total - total / 2};
    }
  }
  return pads;
}

bool is_symmetric(const std::vector<std::pair<int64_t, int64_t>>& pads) {
  for (const auto& [before, after] : pads) {
    if (before != after) return false;
  }
  return true;
}

std::vector<int64_t> before_amounts(const std::vector<std::pair<int64_t, int64_t>>& pads) {
  std::vector<int64_t> out;
  for (const auto& p : pads) out.push_back(p.first);
  return out;
}

std::vector<int64_t> constant_pad_arg(const std::vector<std::pair<int64_t, int64_t>>& pads) {
  std::vector<int64_t> out;
  for (auto it = pads.rbegin(); it != pads.rend(); ++it) {
    out.push_back(it->first);
    out.push_back(it->second);
  }
  return out;
}

}  // namespace bx
