// check_layer: a layer's output and gradients against a reference written with libtorch ops.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "support/helpers.h"

namespace bx::test {

/// Reference forward: tensors by param path (leaves requiring grad) and the input.
using Reference = std::function<at::Tensor(const std::map<std::string, at::Tensor>& p, const at::Tensor& x)>;

/// Creates the layer's params on `x` (a dummy pass on `params`), locks them, then checks that
/// the output, d/dx and d/dparam of sum(y * u) for a random u match `reference` to `rtol`.
/// Returns the locked params.
inline Params check_layer(const Layer& layer, Params params, const at::Tensor& x, const Reference& reference,
                          double rtol = 1e-5, Mode mode = Mode::eval) {
  std::tie(std::ignore, params) = layer(params, x, mode);
  params = params.locked();

  const Params t = params.requiring_grad();
  const bool x_grad = x.is_floating_point();
  const at::Tensor xg = x_grad ? x.detach().clone().requires_grad_(true) : x;
  auto [y, unused] = layer(t, xg, mode);
  const at::Tensor u = randn(y.sizes(), 99);
  std::vector<at::Tensor> inputs;
  std::vector<std::string> names;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t.param(i).trainable && t.param(i).value.requires_grad()) {
      inputs.push_back(t.param(i).value);
      names.push_back(t.key(i));
    }
  }
  if (x_grad) {
    inputs.push_back(xg);
    names.push_back("input");
  }
  const auto grads = torch::autograd::grad({(y * u).sum()}, inputs, {}, false, false, /*allow_unused=*/true);

  std::map<std::string, at::Tensor> leaves;
  std::vector<at::Tensor> ref_inputs;
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor leaf = params.param(i).value.detach().clone();
    if (leaf.is_floating_point()) leaf.requires_grad_(true);
    leaves[params.key(i)] = leaf;
  }
  const at::Tensor xr = x_grad ? x.detach().clone().requires_grad_(true) : x;
  for (const auto& name : names) ref_inputs.push_back(name == "input" ? xr : leaves.at(name));
  const at::Tensor yr = reference(leaves, xr);
  REQUIRE(y.sizes() == yr.sizes());
  CHECK(close(y, yr, rtol));
  const auto ref_grads = torch::autograd::grad({(yr * u).sum()}, ref_inputs, {}, false, false, true);
  for (size_t i = 0; i < names.size(); ++i) {
    CAPTURE(names[i]);
    const at::Tensor g = grads[i].defined() ? grads[i] : at::zeros_like(inputs[i]);
    const at::Tensor gr = ref_grads[i].defined() ? ref_grads[i] : at::zeros_like(inputs[i]);
    CHECK(close(g, gr, rtol));
  }
  return params;
}

/// "path [shape] trainable|state" for every param, for layout assertions.
inline std::vector<std::string> layout(const Params& params) {
  std::vector<std::string> out;
  for (size_t i = 0; i < params.size(); ++i) {
    out.push_back(params.key(i) + " " + format_shape(params.param(i).value.sizes()) +
                  (params.param(i).trainable ? " trainable" : " state"));
  }
  return out;
}

using Layout = std::vector<std::string>;

}  // namespace bx::test
