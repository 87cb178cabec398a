#include "blox/train/memory_estimate.h"

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/physical_memory.h"

namespace bx {

std::string TrainingMemory::text(int64_t batch_size) const {
  return fmt::format("about {:.3g} GB (params {:.3g} GB, gradients and optimizer moments {:.3g} GB, activations {:.3g} "
                     "GB at batch {})",
                     total() / 1e9, params / 1e9, optimizer / 1e9, activations / 1e9, batch_size);
}

TrainingMemory training_memory(const Params& params, double activation_bytes_per_example, int64_t batch_size) {
  TrainingMemory out;
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params.param(i);
    const auto bytes = static_cast<double>(p.value.nbytes());
    out.params += bytes;
    if (p.trainable) out.optimizer += 3 * bytes;
  }
  out.activations = 2 * activation_bytes_per_example * static_cast<double>(batch_size);
  return out;
}

std::string check_training_memory(const TrainingMemory& estimate, int64_t batch_size, double memory_bytes) {
  const double total = estimate.total();
  if (total > memory_bytes) {
    throw ConfigError(fmt::format("training this model needs {}, more than this machine's {:.3g} GB of memory; hint: "
                                  "{}",
                                  estimate.text(batch_size), memory_bytes / 1e9,
                                  estimate.activations > estimate.params + estimate.optimizer
                                      ? "lower data.batch_size (or data.sequence_length)"
                                      : "check the layers' sizes"));
  }
  if (total <= memory_bytes / 2) return "";
  return fmt::format("warning: training this model needs {}, {:.0f} % of this machine's {:.3g} GB",
                     estimate.text(batch_size), 100 * total / memory_bytes, memory_bytes / 1e9);
}

std::string check_training_memory(const PreparedRun& run) {
  const int64_t batch_size = run.run.data.loader.batch_size;
  return check_training_memory(training_memory(run.model.params, run.model.activation_bytes, batch_size), batch_size,
                               physical_memory_bytes());
}

}  // namespace bx
