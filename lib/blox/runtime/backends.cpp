#include "blox/runtime/backends.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <fmt/format.h>
#include <torch/csrc/api/include/torch/version.h>

#ifdef BLOX_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <cuda_runtime_api.h>
#endif

namespace bx {

Backends find_backends() {
  Backends b;
  b.libtorch = TORCH_VERSION;
#ifdef BLOX_WITH_CUDA
  b.cuda_compiled = true;
  b.cuda_version = fmt::format("{}.{}", CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10);
#endif
#ifdef USE_C10D_NCCL
  b.nccl_compiled = true;
#endif
  if (at::hasCUDA()) {
    b.gpus = c10::impl::getDeviceGuardImpl(c10::kCUDA)->deviceCount();
#ifdef BLOX_WITH_CUDA
    if (b.gpus > 0) b.first_gpu = at::cuda::getDeviceProperties(0)->name;
#endif
    b.cudnn_available = at::globalContext().hasCuDNN();
    if (b.cudnn_available) b.cudnn_version = at::detail::getCUDAHooks().versionCuDNN();
  }
  return b;
}

std::string format_backends(const Backends& b) {
  std::string out;
  if (!b.cuda_compiled) {
    out += "CUDA: not in this build (Debian's libtorch is CPU-only; scripts/setup --libtorch pypi builds with it)\n";
  } else {
    out += fmt::format("CUDA: compiled {}; {}\n", b.cuda_version,
                       b.gpus == 0 ? std::string("no GPU visible (no device, or no driver)")
                                   : fmt::format("{} GPU{} visible ({})", b.gpus, b.gpus == 1 ? "" : "s", b.first_gpu));
  }
  if (b.cudnn_available) {
    out += fmt::format("cuDNN: {}.{}.{} found\n", b.cudnn_version / 10000, b.cudnn_version / 100 % 100,
                       b.cudnn_version % 100);
  } else {
    out += fmt::format("cuDNN: not found{}\n", b.cuda_compiled ? " (it is looked for once a GPU is visible)" : "");
  }
  out += fmt::format("NCCL: {}\n", b.nccl_compiled ? "compiled in (multi-GPU data-parallel runs)"
                                                   : "not in this build (data-parallel runs use Gloo)");
  return out;
}

}  // namespace bx
