// grad over Params through torch::autograd::grad (no .grad fields are touched or accumulated).
#include "blox/core/grad.h"

#include <ATen/ops/zeros_like.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/autograd.h>

#include "blox/core/errors.h"

namespace bx {

Params grad(const at::Tensor& loss, const Params& wrt) {
  if (loss.numel() != 1) throw Error(fmt::format("grad: loss must be a scalar, got {} elements", loss.numel()));
  if (!loss.requires_grad()) {
    throw Error("grad: loss does not require grad; hint: run the forward on params.requiring_grad()");
  }
  std::vector<at::Tensor> inputs;
  std::vector<size_t> positions;
  for (size_t i = 0; i < wrt.size(); ++i) {
    if (wrt.param(i).value.requires_grad()) {
      inputs.push_back(wrt.param(i).value);
      positions.push_back(i);
    }
  }
  std::vector<at::Tensor> grads(wrt.size());
  if (!inputs.empty()) {
    std::vector<at::Tensor> found = torch::autograd::grad({loss}, inputs, /*grad_outputs=*/{},
                                                          /*retain_graph=*/false, /*create_graph=*/false,
                                                          /*allow_unused=*/true);
    for (size_t k = 0; k < positions.size(); ++k) grads[positions[k]] = std::move(found[k]);
  }
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) grads[i] = at::zeros_like(wrt.param(i).value);
  }
  return wrt.with_values(std::move(grads));
}

}  // namespace bx
