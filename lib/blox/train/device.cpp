#include "blox/train/device.h"

#include <ATen/Context.h>

#include "blox/core/errors.h"

namespace bx {

c10::Device resolve_device(const std::string& name) {
  if (name == "cpu") return c10::kCPU;
  if (at::hasCUDA()) return c10::Device(c10::kCUDA, 0);
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

at::Tensor batch_to_device(const at::Tensor& t, c10::Device device) {
  if (device.is_cpu()) return t;
  return (t.is_pinned() ? t : t.pin_memory()).to(device, /*non_blocking=*/true);
}

}  // namespace bx
