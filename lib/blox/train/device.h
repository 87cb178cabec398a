// Where a run computes: one torch::Device threaded through training, evaluation and prediction.
#pragma once

#include <string>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "blox/core/params.h"

namespace bx {

/// "cpu", "cuda" (the first GPU) or "auto" (a GPU when this libtorch has one). Throws
/// ConfigError for "cuda" on a libtorch without CUDA, saying so and how to get one.
c10::Device resolve_device(const std::string& name);

/// Floating-point params on `device`; integer scalars (Rng seed and counter, step counts) stay
/// on the host, where they are read every step.
Params params_to_device(const Params& params, c10::Device device);

/// A host batch tensor on `device`: through pinned memory with a non-blocking copy, so the
/// copy overlaps the computation.
at::Tensor batch_to_device(const at::Tensor& t, c10::Device device);

}  // namespace bx
