#include "blox/io/pytorch_layout.h"

#include <algorithm>
#include <regex>

#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/shape.h"

namespace bx {
namespace {

// Where a blox param's value is in a PyTorch module.
struct Counterpart {
  std::vector<std::string> names;  ///< two are summed (an LSTM's biases)
  bool transpose = false;          ///< PyTorch's [out, in] against blox's [in, out]
  bool recurrent = false;          ///< an LSTM's or GRU's: one layer, one direction only
};

std::optional<Counterpart> counterpart(const std::string& name, const std::map<std::string, at::Tensor>& layer) {
  if (name == "kernel") return Counterpart{{"weight"}, layer.at(name).dim() == 2, false};
  if (name == "bias") {
    // blox's LSTM has one bias where PyTorch's has two it always adds.
    const bool lstm = layer.count("input_kernel") > 0 && layer.count("input_bias") == 0;
    return lstm ? Counterpart{{"bias_ih_l0", "bias_hh_l0"}, false, true} : Counterpart{{"bias"}, false, false};
  }
  static const std::map<std::string, Counterpart> kByName = {
      {"scale", {{"weight"}, false, false}},
      {"table", {{"weight"}, false, false}},
      {"mean", {{"running_mean"}, false, false}},
      {"var", {{"running_var"}, false, false}},
      {"input_kernel", {{"weight_ih_l0"}, true, true}},
      {"recurrent_kernel", {{"weight_hh_l0"}, true, true}},
      {"input_bias", {{"bias_ih_l0"}, false, true}},
      {"recurrent_bias", {{"bias_hh_l0"}, false, true}},
  };
  auto it = kByName.find(name);
  if (it == kByName.end()) return std::nullopt;
  return it->second;
}

// A stacked, bidirectional or projected PyTorch LSTM/GRU holds tensors past the first layer's
// four; taking those four alone would import a different network.
void require_one_layer_one_direction(const std::map<std::string, at::Tensor>& module, const std::string& where) {
  static const std::regex recurrent(R"((weight|bias)_(ih|hh|hr)_l[0-9]+(_reverse)?)");
  for (const auto& [name, tensor] : module) {
    const bool first_layer = name == "weight_ih_l0" || name == "weight_hh_l0" || name == "bias_ih_l0" || name == "bias_hh_l0";
    if (!first_layer && std::regex_match(name, recurrent)) {
      throw ConfigError(fmt::format("{}: holds '{}', from a PyTorch LSTM/GRU with num_layers > 1, bidirectional=True "
                                    "or proj_size > 0; blox's lstm and gru are one layer in one direction",
                                    where, name));
    }
  }
}

}  // namespace

std::pair<std::string, std::string> split_pytorch_key(const std::string& key) {
  const size_t dot = key.rfind('.');
  if (dot == std::string::npos) return {"", key};
  std::string module = key.substr(0, dot);
  std::replace(module.begin(), module.end(), '.', '/');
  return {module, key.substr(dot + 1)};
}

bool is_pytorch_bookkeeping(const std::string& tensor_name) { return tensor_name == "num_batches_tracked"; }

std::optional<FromPytorch> from_pytorch(const std::string& name, const std::map<std::string, at::Tensor>& layer,
                                        const std::map<std::string, at::Tensor>& module, const std::string& where) {
  const std::optional<Counterpart> from = counterpart(name, layer);
  if (!from) return std::nullopt;
  for (const auto& source : from->names) {
    if (module.count(source) == 0) return std::nullopt;
  }
  if (from->recurrent) require_one_layer_one_direction(module, where);
  const at::ScalarType dtype = layer.at(name).scalar_type();
  at::Tensor value;
  for (const auto& source : from->names) {
    const at::Tensor& t = module.at(source);
    if (!at::isFloatingType(t.scalar_type())) {
      throw ConfigError(fmt::format("{}: tensor '{}' is {}; a weight must be floating point", where, source,
                                    c10::toString(t.scalar_type())));
    }
    if (!value.defined()) {
      value = t.to(dtype);
    } else if (value.sizes() != t.sizes()) {
      throw ConfigError(fmt::format("{}: '{}' is {} and '{}' is {}; blox adds them into one bias, so they must agree",
                                    where, from->names[0], format_shape(value.sizes()), source, format_shape(t.sizes())));
    } else {
      value = value + t.to(dtype);
    }
  }
  // A 2-D source only: any other shape goes on unconverted and the shape check reports it.
  if (from->transpose && value.dim() == 2) value = value.t();
  return FromPytorch{value.contiguous(), from->names};
}

std::vector<std::pair<std::string, at::Tensor>> to_pytorch(const std::vector<std::pair<std::string, at::Tensor>>& params) {
  // Each layer's params together (an LSTM's bias needs its kernels), layers in first-seen order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<std::string, at::Tensor>>> layers;
  for (const auto& [path, value] : params) {
    const size_t slash = path.rfind('/');
    if (path.rfind("model/", 0) != 0 || slash <= 5) continue;
    const std::string layer = path.substr(6, slash - 6);
    if (layers.count(layer) == 0) order.push_back(layer);
    layers[layer].emplace_back(path.substr(slash + 1), value);
  }
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& layer : order) {
    std::string module = layer;
    std::replace(module.begin(), module.end(), '/', '.');
    std::map<std::string, at::Tensor> named;
    for (const auto& [name, value] : layers.at(layer)) named.emplace(name, value);
    const auto put = [&](const std::string& tensor, const at::Tensor& value) {
      out.emplace_back(module + "." + tensor, value.contiguous());
    };
    for (const auto& [name, value] : layers.at(layer)) {
      const std::optional<Counterpart> to = counterpart(name, named);
      if (!to) {
        throw ConfigError(fmt::format("model/{}/{}: no PyTorch counterpart for a param named '{}' (kernel, bias, scale, "
                                      "table, mean, var and the recurrent kernels and biases have one)",
                                      layer, name, name));
      }
      const at::Tensor converted = to->transpose && value.dim() == 2 ? value.t() : value;
      put(to->names[0], converted);
      if (to->names.size() == 2) put(to->names[1], at::zeros_like(converted));  // blox's sum is the first
      if (name == "var") put("num_batches_tracked", at::zeros({}, at::kLong));
    }
  }
  return out;
}

}  // namespace bx
