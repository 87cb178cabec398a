#include "blox/core/memory_layout.h"

#include <ATen/ops/empty_like.h>
#include <c10/core/MemoryFormat.h>

namespace bx {

at::Tensor with_channels_last_strides(const at::Tensor& t) {
  if (t.strides() == c10::IntArrayRef(c10::get_channels_last_strides_2d(t.sizes()))) return t;
  return t.to(t.options(), /*non_blocking=*/false, /*copy=*/true, at::MemoryFormat::ChannelsLast);
}

at::Tensor in_layout_of(const at::Tensor& value, const at::Tensor& like) {
  if (value.strides() == like.strides() || !like.is_non_overlapping_and_dense()) return value;
  // empty_like keeps the exact strides of a dense tensor (MemoryFormat::Preserve).
  at::Tensor out = at::empty_like(like, value.options());
  out.copy_(value);
  return out;
}

}  // namespace bx
