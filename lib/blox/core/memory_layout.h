// Memory layouts of tensors with the same values: NHWC strides for channels-last convolutions,
// and a saved value put back in the layout of the param it replaces.
#pragma once

#include <ATen/core/Tensor.h>

namespace bx {

/// `t` with NHWC strides (a 4-D tensor), also for shapes where they are ambiguous (1 channel,
/// 1x1 kernels): libtorch picks its channels-last kernels from the exact strides, and
/// `contiguous(ChannelsLast)` keeps ambiguous ones as they are. `t` itself when already so.
at::Tensor with_channels_last_strides(const at::Tensor& t);

/// `value`'s values in the strides of `like` (same sizes): a checkpoint's contiguous tensor put
/// back in the layout of the param it replaces, so a resumed run keeps the layout (and the speed) of
/// the one it continues; the values are the same in either.
/// `value` itself when its strides already are those; a copy otherwise, `value` unchanged.
at::Tensor in_layout_of(const at::Tensor& value, const at::Tensor& like);

}  // namespace bx
