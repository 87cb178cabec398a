// Prediction tensors: batches concatenated on the host, trimmed to the limit.
#include "blox/infer/prediction_tensors.h"

#include <vector>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "blox/runtime/device.h"

namespace bx {

TensorFile prediction_tensors(const Layer& model, const Params& params, Loader& loader, int64_t limit, bool labelled,
                              c10::Device device, Loader* raw) {
  c10::NoGradGuard no_grad;
  std::vector<at::Tensor> inputs, outputs, targets, raw_inputs;
  int64_t count = 0;
  loader.seek({0, 0});
  if (raw) raw->seek({0, 0});
  while (limit == 0 || count < limit) {
    auto batch = loader.next();
    if (!batch) break;
    const int64_t keep = limit == 0 ? batch->inputs.size(0) : std::min(batch->inputs.size(0), limit - count);
    const at::Tensor output = model(params, batch_to_device(batch->inputs, device), Mode::eval).first;
    inputs.push_back(batch->inputs.narrow(0, 0, keep).cpu());
    outputs.push_back(output.narrow(0, 0, keep).to(at::kFloat).cpu());
    targets.push_back(batch->targets.narrow(0, 0, keep).cpu());
    if (raw) raw_inputs.push_back(raw->next().value().inputs.narrow(0, 0, keep).cpu());
    count += keep;
  }
  if (count == 0) throw DataError("predict: the data holds no examples");
  TensorFile file;
  file.tensors = {{"inputs", at::cat(inputs).contiguous()}, {"outputs", at::cat(outputs).contiguous()}};
  if (labelled) file.tensors.push_back({"targets", at::cat(targets).contiguous()});
  if (raw) file.tensors.push_back({"raw_inputs", at::cat(raw_inputs).contiguous()});
  return file;
}

}  // namespace bx
