// Precision: what a run's forward passes compute in. fp32 everywhere by default; bf16 and fp16
// run the forward under libtorch's autocast (matrix products and convolutions in the reduced
// type, reductions and losses in fp32) while params, gradients and optimizer state stay fp32.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace bx {

enum class Precision { fp32, bf16, fp16 };

/// "fp32", "bf16", "fp16": the names configs use.
const std::vector<std::string>& precision_names();
/// The precision a name names (ConfigError for another name).
Precision precision_from_name(const std::string& name);
const std::string& precision_name(Precision precision);

/// Why `precision` cannot run on `device`, with a hint: fp16 needs a GPU (libtorch's CPU kernels
/// have no fast fp16). The one statement of that rule; nothing when it can run.
struct PrecisionProblem {
  std::string message, hint;
};
std::optional<PrecisionProblem> precision_problem(Precision precision, c10::Device device);

/// Autocast to `precision` on `device` for its lifetime (nothing for fp32); the previous
/// autocast state comes back at its end. Wrap forward passes only, not backward.
class AutocastScope {
 public:
  AutocastScope(Precision precision, c10::Device device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType device_type_ = c10::DeviceType::CPU;
  bool was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kFloat;
};

/// `t` in fp32 when autocast left it in a reduced floating type (losses and metrics read fp32).
at::Tensor full_precision(const at::Tensor& t);

}  // namespace bx
