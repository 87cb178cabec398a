// Padding of convolutions and pools: "valid", "same", or explicit amounts per spatial dim.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <c10/util/ArrayRef.h>

namespace bx {

/// How a convolution or pool pads its input.
struct Padding {
  enum class Kind { valid, same, explicit_amounts };
  Kind kind = Kind::valid;
  std::vector<int64_t> amounts;  ///< explicit: one symmetric amount per spatial dim (or one for all)

  static Padding valid() { return {Kind::valid, {}}; }
  /// Output size ceil(input / stride), padding split as evenly as possible (extra at the end).
  static Padding same() { return {Kind::same, {}}; }
  static Padding of(std::vector<int64_t> amounts) { return {Kind::explicit_amounts, std::move(amounts)}; }
};

/// `values` with one entry per spatial dim: a single value is repeated; otherwise the count
/// must be `dims`. Throws ConfigError naming `what` and `where`.
std::vector<int64_t> per_dim(const std::vector<int64_t>& values, size_t dims, const std::string& what,
                             const std::string& where);

/// (before, after) padding of every spatial dim for a convolution-like window over `input`
/// (spatial sizes only).
std::vector<std::pair<int64_t, int64_t>> resolve_padding(const Padding& padding, c10::IntArrayRef input,
                                                         c10::IntArrayRef window, c10::IntArrayRef stride,
                                                         c10::IntArrayRef dilation, const std::string& where);

/// True when every dim pads the same amount on both sides.
bool is_symmetric(const std::vector<std::pair<int64_t, int64_t>>& pads);

/// The per-dim "before" amounts (for symmetric pads).
std::vector<int64_t> before_amounts(const std::vector<std::pair<int64_t, int64_t>>& pads);

/// The argument of at::constant_pad_nd for these pads (last dim first).
std::vector<int64_t> constant_pad_arg(const std::vector<std::pair<int64_t, int64_t>>& pads);

}  // namespace bx
