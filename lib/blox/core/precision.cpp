#include "blox/core/precision.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/core/torch_compat.h"

namespace bx {

const std::vector<std::string>& precision_names() {
  static const std::vector<std::string> names{"fp32", "bf16", "fp16"};
  return names;
}

Precision precision_from_name(const std::string& name) {
  const auto& names = precision_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<Precision>(i);
  }
  throw ConfigError(fmt::format("precision: expected one of {}, got '{}'", fmt::join(names, ", "), name));
}

std::optional<PrecisionProblem> precision_problem(Precision precision, c10::Device device) {
  if (precision != Precision::fp16 || !device.is_cpu()) return std::nullopt;
  return PrecisionProblem{"fp16 needs a GPU (libtorch's CPU kernels have no fast fp16)",
                          "use bf16 on the CPU, or device: cuda"};
}

const std::string& precision_name(Precision precision) { return precision_names().at(static_cast<size_t>(precision)); }

AutocastScope::AutocastScope(Precision precision, c10::Device device) {
  if (precision == Precision::fp32) return;
  active_ = true;
  device_type_ = device.type();
  was_enabled_ = compat::autocast_enabled(device_type_);
  was_dtype_ = compat::autocast_dtype(device_type_);
  compat::set_autocast(device_type_, true, precision == Precision::bf16 ? at::kBFloat16 : at::kHalf);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // The outermost scope drops the fp32 -> reduced casts of params it cached.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  compat::set_autocast(device_type_, was_enabled_, was_dtype_);
}

at::Tensor full_precision(const at::Tensor& t) {
  const auto type = t.scalar_type();
  return type == at::kBFloat16 || type == at::kHalf ? t.to(at::kFloat) : t;
}

}  // namespace bx
