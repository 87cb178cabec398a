#include "blox/export/pytorch_export.h"

#include <filesystem>

#include "blox/core/run_state.h"
#include "blox/io/atomic_file.h"
#include "blox/io/pytorch_layout.h"
#include "blox/io/safetensors.h"

namespace bx {

PytorchExportSummary export_pytorch_safetensors(const Params& params, const std::string& path) {
  std::vector<std::pair<std::string, at::Tensor>> named;
  for (size_t i = 0; i < params.size(); ++i) {
    if (is_run_state(params.param(i))) continue;
    named.emplace_back(params.key(i), params.param(i).value.cpu());
  }
  TensorFile file;
  file.tensors = to_pytorch(named);
  file.metadata["format"] = "pt";
  write_file_atomically(path, [&file](const WriteBytes& write) { write_safetensors(file, write); });
  return {static_cast<int64_t>(file.tensors.size()), static_cast<int64_t>(std::filesystem::file_size(path))};
}

}  // namespace bx
