// PyTorch's state-dict names and tensor layouts, converted into blox's params layer by layer.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace bx {

/// A state-dict key split at its last '.': the module's path with '/' for '.' (PyTorch module
/// names hold no '.') and the tensor's own name: "features.0.weight" -> {"features/0", "weight"};
/// a key without '.' has module "".
std::pair<std::string, std::string> split_pytorch_key(const std::string& key);

/// PyTorch tensors that are not weights and have no blox param (batch norm's num_batches_tracked).
bool is_pytorch_bookkeeping(const std::string& tensor_name);

/// One blox param's value made from a PyTorch module's tensors.
struct FromPytorch {
  at::Tensor value;                ///< in blox's layout and dtype; its shape is not yet checked
  std::vector<std::string> names;  ///< the module's tensors it came from: {"weight"}, {"bias_ih_l0", "bias_hh_l0"}
};

/// The blox param `name` of a layer whose params (names -> fresh values) are `layer`, from the
/// tensors of the PyTorch module mapped onto that layer (by their own names); nothing when the
/// module lacks them or the param has no PyTorch counterpart. Blox's param names tell the layer
/// kinds apart (lib/blox/layers/README.md): kernel <- weight, transposed when 2-D (a dense
/// [in, out] kernel) and as it is otherwise (convolutions share PyTorch's layout); scale <-
/// weight; table <- weight; mean, var <- running_mean, running_var; input_kernel,
/// recurrent_kernel <- weight_ih_l0, weight_hh_l0 transposed; input_bias, recurrent_bias <-
/// bias_ih_l0, bias_hh_l0 (GRU); the bias of a layer with input_kernel and no input_bias (an
/// LSTM) <- bias_ih_l0 + bias_hh_l0; any other bias <- bias. Gate orders already agree. Throws
/// ConfigError starting with `where` for a source tensor that is not floating point, and for a
/// recurrent module with more than one layer or direction (keys *_l1, *_reverse, weight_hr_l0).
std::optional<FromPytorch> from_pytorch(const std::string& name, const std::map<std::string, at::Tensor>& layer,
                                        const std::map<std::string, at::Tensor>& module, const std::string& where);

/// A model's params in PyTorch's state-dict layout, the inverse of from_pytorch for the default
/// module mapping: the layer at model/a/b becomes module "a.b", each param its tensor (kernel ->
/// weight, transposed when 2-D; scale, table -> weight; mean, var -> running_mean, running_var
/// with num_batches_tracked = 0 beside them; an LSTM's one bias -> bias_ih_l0, with bias_hh_l0
/// zeros; input_kernel, recurrent_kernel -> weight_ih_l0, weight_hh_l0 transposed; input_bias,
/// recurrent_bias -> bias_ih_l0, bias_hh_l0), in the params' order. Params outside model/ (no
/// layer's) are left out. Throws ConfigError naming a param with no PyTorch counterpart.
std::vector<std::pair<std::string, at::Tensor>> to_pytorch(const std::vector<std::pair<std::string, at::Tensor>>& params);

}  // namespace bx
