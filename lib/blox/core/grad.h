// grad: gradients of a scalar with respect to a Params, as a Params with the same keys.
#pragma once

#include <ATen/core/Tensor.h>

#include "blox/core/params.h"

namespace bx {

/// d(loss)/d(wrt) for every entry of `wrt` (whose floating values must require grad, e.g.
/// from Params::requiring_grad). Entries the loss does not depend on get zeros. The autograd
/// graph is freed, so the params' buffers are free for donation afterwards.
/// Throws Error when `loss` is not a scalar or does not require grad.
Params grad(const at::Tensor& loss, const Params& wrt);

}  // namespace bx
