#include "blox/runtime/device.h"

#include <ATen/Context.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

const std::vector<std::string>& device_names() {
  static const std::vector<std::string> names{"cpu", "cuda", "auto"};
  return names;
}

c10::Device resolve_device(const std::string& name, int64_t local_rank) {
  if (name == "cpu") return c10::kCPU;
  if (at::hasCUDA()) {
    const auto* cuda = c10::impl::getDeviceGuardImpl(c10::kCUDA);
    const int64_t count = cuda->deviceCount();
    if (local_rank >= count) {
      throw ConfigError(fmt::format("device 'cuda': process {} of this machine needs GPU {}, and {} are visible; "
                                    "hint: start at most {} processes per machine, or set CUDA_VISIBLE_DEVICES",
                                    local_rank, local_rank, count, count));
    }
    const c10::Device gpu(c10::kCUDA, static_cast<c10::DeviceIndex>(local_rank));
    cuda->setDevice(gpu);  // its kernels, allocations and NCCL communicator go there
    return gpu;
  }
  if (name == "auto") return c10::kCPU;
#ifdef BLOX_WITH_CUDA
  throw ConfigError("device 'cuda': this build has CUDA, but no GPU is visible (no device, or no driver); "
                    "hint: use device: cpu or auto, or check nvidia-smi and CUDA_VISIBLE_DEVICES");
#else
  throw ConfigError("device 'cuda': this build of libtorch has no CUDA support (Debian's libtorch is CPU-only); "
                    "hint: use device: cpu or auto, or build with scripts/setup --libtorch pypi");
#endif
}

Params params_to_device(const Params& params, c10::Device device) {
  if (device.is_cpu()) return params;
  return params.map([&](const std::string&, const Param& p) {
    return p.value.is_floating_point() ? p.value.to(device) : p.value;
  });
}

void synchronize(c10::Device device) {
  if (device.is_cpu()) return;
  const auto* impl = c10::impl::getDeviceGuardImpl(device.type());
  impl->synchronizeStream(impl->getStream(device));
}

at::Tensor batch_to_device(const at::Tensor& t, c10::Device device) {
  if (device.is_cpu()) return t;
  return (t.is_pinned() ? t : t.pin_memory()).to(device, /*non_blocking=*/true);
}

}  // namespace bx
