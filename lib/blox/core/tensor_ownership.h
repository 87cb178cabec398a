// Whether a tensor handle is the only one on its buffer: then writing it in place changes nothing
// anyone else can see (no other handle, view, or value autograd saved for the backward pass).
#pragma once

#include <ATen/core/Tensor.h>

namespace bx {

/// The only handle on its buffer: no other tensor or view shares it, and autograd saved no copy
/// of it (a saved value holds the buffer too).
inline bool sole_handle(const at::Tensor& t) {
  return t.defined() && t.use_count() == 1 && t.storage().use_count() == 1;
}

/// A layer's input it may overwrite with its output (an in-place ReLU, a residual's add): its
/// sole handle, no view, and no leaf autograd tracks. The caller's own input is never one: the
/// caller still holds it.
inline bool overwritable(const at::Tensor& t) {
  return sole_handle(t) && !t.is_view() && !(t.requires_grad() && t.is_leaf());
}

}  // namespace bx
