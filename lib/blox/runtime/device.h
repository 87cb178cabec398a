// Where a run computes: one torch::Device threaded through training, evaluation and prediction.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "blox/core/params.h"

namespace bx {

/// The device names a config and --device take: cpu, cuda, auto (the one list of them).
const std::vector<std::string>& device_names();

/// "cpu", "cuda" or "auto" (a GPU when there is one). A GPU is the `local_rank`-th of this
/// machine (one per process of a data-parallel run), made the current device. Throws
/// ConfigError for "cuda" where there is none, saying why and what to do.
c10::Device resolve_device(const std::string& name, int64_t local_rank = 0);

/// Floating-point params on `device`; integer scalars (Rng seed and counter, step counts) stay
/// on the host, where they are read every step.
Params params_to_device(const Params& params, c10::Device device);

/// Waits until the work queued on `device`'s current stream is done (nothing on the CPU).
void synchronize(c10::Device device);

/// A host batch tensor on `device`: through pinned memory with a non-blocking copy, so the
/// copy overlaps the computation.
at::Tensor batch_to_device(const at::Tensor& t, c10::Device device);

}  // namespace bx
