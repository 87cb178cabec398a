// The model summary: a walk over the layer tree running blox's own eval forward layer by layer
// (as the ONNX exporter does), so shapes are the real ones; FLOPs from the formulas below.
#include "blox/inspect/model_summary.h"

#include <algorithm>
#include <optional>
#include <set>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/layers/activation.h"
#include "blox/layers/attention.h"
#include "blox/layers/batch_norm.h"
#include "blox/layers/conv.h"
#include "blox/layers/dropout.h"
#include "blox/layers/embedding.h"
#include "blox/layers/flatten.h"
#include "blox/layers/linear.h"
#include "blox/layers/norm.h"
#include "blox/layers/pool.h"
#include "blox/layers/recurrent.h"
#include "blox/layers/residual.h"
#include "blox/layers/sequential.h"
#include "blox/layers/transformer.h"

namespace bx {
namespace flops {

int64_t linear(int64_t in, int64_t out, int64_t positions, bool bias) {
  return positions * (2 * in * out + (bias ? out : 0));
}

int64_t conv(int64_t c_in, int64_t c_out, int64_t groups, int64_t kernel, int64_t output_spatial, bool bias) {
  return 2 * (c_in / groups * kernel) * c_out * output_spatial + (bias ? c_out * output_spatial : 0);
}

int64_t conv_transpose(int64_t c_in, int64_t c_out, int64_t groups, int64_t kernel, int64_t input_spatial,
                       int64_t output_spatial, bool bias) {
  // Each input element meets the kernel of its group's output channels.
  return 2 * c_in * kernel * (c_out / groups) * input_spatial + (bias ? c_out * output_spatial : 0);
}

int64_t lstm(int64_t features, int64_t hidden, int64_t steps) {
  return steps * (2 * (features + hidden) * 4 * hidden + 4 * hidden + 9 * hidden);
}

int64_t gru(int64_t features, int64_t hidden, int64_t steps) {
  return steps * (2 * (features + hidden) * 3 * hidden + 6 * hidden + 8 * hidden);
}

int64_t attention(int64_t queries, int64_t memory, int64_t model_size, int64_t heads, int64_t key_size,
                  int64_t output_size, bool bias) {
  const int64_t hk = heads * key_size;
  const int64_t projections = linear(model_size, hk, queries, bias) + 2 * linear(model_size, hk, memory, bias) +
                              linear(hk, output_size, queries, bias);
  const int64_t scores = heads * queries * memory;
  // Q K^T and weights x V are each 2 T S K H; the scale 1 and the softmax per score.
  return projections + 2 * (2 * scores * key_size) + scores * (1 + kSoftmaxPerElement);
}

}  // namespace flops

namespace {

// Elements of one example: FLOPs are per example whatever the batch.
int64_t per_example(const at::Tensor& t) { return t.numel() / t.size(0); }
// Per example, the positions a per-feature layer runs at: every index but the last axis.
int64_t positions(const at::Tensor& t) { return per_example(t) / t.size(-1); }
// Per example, the spatial size of a channels-first (B, C, spatial...) tensor.
int64_t spatial(const at::Tensor& t) { return per_example(t) / t.size(1); }

// Product over `dims` spatial dims of a setting given once for all or once per dim.
int64_t window_product(const std::vector<int64_t>& sizes, int64_t dims) {
  int64_t product = 1;
  for (int64_t i = 0; i < dims; ++i) product *= sizes.size() == 1 ? sizes[0] : sizes.at(static_cast<size_t>(i));
  return product;
}

template <class ConvLayer>
std::optional<int64_t> conv_flops(const Layer& layer, int64_t dims, const at::Tensor& x, const at::Tensor& y) {
  const auto* conv = dynamic_cast<const ConvLayer*>(&layer);
  if (!conv) return std::nullopt;
  const ConvSettings& s = conv->settings();
  return flops::conv(x.size(1), y.size(1), s.groups, window_product(s.kernel_size, dims), spatial(y), s.use_bias);
}

template <class PoolLayer>
std::optional<int64_t> pool_flops(const Layer& layer, int64_t dims, const at::Tensor& y) {
  const auto* pool = dynamic_cast<const PoolLayer*>(&layer);
  if (!pool) return std::nullopt;
  return window_product(pool->settings().window, dims) * per_example(y);
}

// The FLOPs of a layer without children (the formulas of flops:: applied to its settings and
// the shapes of its input and output); nothing when it has no formula.
std::optional<int64_t> leaf_flops(const Layer& layer, const at::Tensor& x, const at::Tensor& y) {
  if (const auto* linear = dynamic_cast<const Linear*>(&layer)) {
    return flops::linear(x.size(-1), y.size(-1), positions(y), linear->settings().use_bias);
  }
  if (const auto* tied = dynamic_cast<const TiedOutput*>(&layer)) {
    return flops::linear(x.size(-1), y.size(-1), positions(y), tied->settings().use_bias);
  }
  for (auto f : {conv_flops<Conv1D>(layer, 1, x, y), conv_flops<Conv2D>(layer, 2, x, y),
                 pool_flops<MaxPool1D>(layer, 1, y), pool_flops<MaxPool2D>(layer, 2, y),
                 pool_flops<AvgPool1D>(layer, 1, y), pool_flops<AvgPool2D>(layer, 2, y)}) {
    if (f) return f;
  }
  if (const auto* transposed = dynamic_cast<const ConvTranspose2D*>(&layer)) {
    const ConvSettings& s = transposed->settings();
    return flops::conv_transpose(x.size(1), y.size(1), s.groups, window_product(s.kernel_size, 2), spatial(x),
                                 spatial(y), s.use_bias);
  }
  if (dynamic_cast<const GlobalAvgPool*>(&layer)) return per_example(x);
  if (dynamic_cast<const PositionalEmbedding*>(&layer)) return per_example(y);  // one add per element
  if (dynamic_cast<const BatchNorm*>(&layer) || dynamic_cast<const LayerNorm*>(&layer) ||
      dynamic_cast<const RMSNorm*>(&layer) || dynamic_cast<const GroupNorm*>(&layer)) {
    return flops::kNormPerElement * per_example(y);
  }
  if (const auto* activation = dynamic_cast<const Activation*>(&layer)) {
    const std::string& f = activation->settings().function;
    if (f == "identity") return int64_t{0};
    const bool softmax = f == "softmax" || f == "log_softmax";
    return (softmax ? flops::kSoftmaxPerElement : flops::kActivationPerElement) * per_example(y);
  }
  if (dynamic_cast<const Embedding*>(&layer) || dynamic_cast<const Flatten*>(&layer) ||
      dynamic_cast<const Dropout*>(&layer)) {
    return int64_t{0};
  }
  if (const auto* lstm = dynamic_cast<const LSTM*>(&layer)) {
    return flops::lstm(x.size(2), lstm->settings().hidden_size, x.size(1));
  }
  if (const auto* gru = dynamic_cast<const GRU*>(&layer)) {
    return flops::gru(x.size(2), gru->settings().hidden_size, x.size(1));
  }
  if (const auto* attention = dynamic_cast<const MultiHeadAttention*>(&layer)) {
    const AttentionSettings& s = attention->settings();
    const int64_t d = x.size(2);
    const int64_t k = s.key_size > 0 ? s.key_size : d / s.num_heads;
    return flops::attention(x.size(1), x.size(1), d, s.num_heads, k, y.size(2), s.use_bias);  // self-attention
  }
  return std::nullopt;
}

// What visiting a layer gives its container: the output and the FLOPs of the whole subtree.
struct Visited {
  at::Tensor y;
  int64_t flops;
};

class Walker {
 public:
  Walker(const Params& params, ModelSummary& summary) : params_(params), summary_(summary) {}

  /// The rows of `layer` (then of its children, one deeper) on input `x`.
  Visited visit(const Layer& layer, const at::Tensor& x, int depth) {
    const at::Tensor y = layer(params_, x, Mode::eval).first;
    const size_t row = add_row(layer.path(), layer.kind(), depth, y);  // before the children's rows
    std::optional<int64_t> f = container_flops(layer, x, depth + 1);
    if (!f) f = leaf_flops(layer, x, y);
    if (!f) {
      throw ConfigError(fmt::format("model summary: layer '{}' ({}) has no FLOP formula in this version of blox",
                                    layer.path(), layer.kind()));
    }
    summary_.layers[row].flops = *f;
    return {y, *f};
  }

  /// The rows of a Sequential's layers at `depth`; their FLOPs summed.
  int64_t chain(const Sequential& sequential, const at::Tensor& x, int depth) {
    Visited v{x, 0};
    int64_t sum = 0;
    for (size_t i = 0; i < sequential.size(); ++i) {
      v = visit(sequential.layer(i), v.y, depth);
      sum += v.flops;
    }
    return sum;
  }

  /// Every param under some row, once (a layer used twice is not counted twice).
  int64_t total_params() const {
    int64_t n = 0;
    for (size_t i : claimed_) n += params_.param(i).value.numel();
    return n;
  }

 private:
  // A row for `path` with the elements of the params under it.
  size_t add_row(const std::string& path, const std::string& kind, int depth, const at::Tensor& y,
                 int64_t flops = 0) {
    LayerSummary row{path, kind, depth, y.sizes().vec(), 0, flops};
    const std::string prefix = path + "/";
    for (size_t i = 0; i < params_.size(); ++i) {
      if (params_.key(i).compare(0, prefix.size(), prefix) != 0) continue;
      row.params += params_.param(i).value.numel();
      claimed_.insert(i);
    }
    summary_.layers.push_back(std::move(row));
    return summary_.layers.size() - 1;
  }

  // The children's rows at `depth` and the container's FLOPs (theirs and its own); nothing for a leaf.
  std::optional<int64_t> container_flops(const Layer& layer, const at::Tensor& x, int depth) {
    if (const auto* sequential = dynamic_cast<const Sequential*>(&layer)) return chain(*sequential, x, depth);
    if (const auto* residual = dynamic_cast<const Residual*>(&layer)) {
      Visited branch{x, 0};
      int64_t sum = 0;
      for (const auto& part : residual->branch()) {
        branch = visit(*part, branch.y, depth);
        sum += branch.flops;
      }
      if (residual->shortcut()) sum += visit(*residual->shortcut(), x, depth).flops;
      sum += per_example(branch.y);  // the add
      if (residual->after()) sum += visit(*residual->after(), branch.y, depth).flops;
      return sum;
    }
    if (const auto* block = dynamic_cast<const TransformerBlock*>(&layer)) return transformer(*block, x, depth);
    return std::nullopt;
  }

  // Its child layers, then rows for its MLP (the block's own params, no layer objects), in
  // forward order. Eval mode, so its dropouts are the identity: h = x + attention(ln1(x)),
  // y = h + mlp(ln2(h)).
  int64_t transformer(const TransformerBlock& block, const at::Tensor& x, int depth) {
    const Visited ln1 = visit(block.ln1(), x, depth);
    const Visited attended = visit(block.attention(), ln1.y, depth);
    const Visited ln2 = visit(block.ln2(), x + attended.y, depth);
    int64_t sum = ln1.flops + attended.flops + ln2.flops + 2 * per_example(x);  // + the two residual adds
    auto mlp_linear = [&](const std::string& name, const at::Tensor& in) {
      const at::Tensor out = linear_map(in, block.param_value(params_, "mlp/" + name + "/kernel"),
                                        block.param_value(params_, "mlp/" + name + "/bias"));
      const int64_t f = flops::linear(in.size(-1), out.size(-1), positions(out), true);
      add_row(block.path() + "/mlp/" + name, "Linear", depth, out, f);
      sum += f;
      return out;
    };
    const at::Tensor activated = at::gelu(mlp_linear("hidden", ln2.y));
    const int64_t gelu = flops::kActivationPerElement * per_example(activated);
    add_row(block.path() + "/mlp/gelu", "Activation", depth, activated, gelu);
    mlp_linear("output", activated);
    return sum + gelu;
  }

  const Params& params_;
  ModelSummary& summary_;
  std::set<size_t> claimed_;
};

// "1,234,567": long counts read at a glance.
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return n < 0 ? "-" + digits : digits;
}

std::string batch_shape(const Shape& shape) {
  std::string out = "[B";
  for (size_t i = 1; i < shape.size(); ++i) out += fmt::format(", {}", shape[i]);
  return out + "]";
}

}  // namespace

ModelSummary summarize_model(const Layer& model, const Params& params, const at::Tensor& example) {
  at::NoGradGuard no_grad;
  ModelSummary summary;
  Walker walker(params, summary);
  // A config's model is a Sequential: its layers are the summary's top level.
  if (const auto* sequential = dynamic_cast<const Sequential*>(&model)) {
    summary.total_flops = walker.chain(*sequential, example, 0);
  } else {
    summary.total_flops = walker.visit(model, example, 0).flops;
  }
  summary.total_params = walker.total_params();
  return summary;
}

ModelSummary summarize_model(const BuiltModel& model) {
  return summarize_model(*model.layer, model.params, model.example_input);
}

std::string model_summary_table(const ModelSummary& summary) {
  // Each row named relative to its container (the nearest shallower row above it), indented.
  std::vector<std::string> names;
  std::vector<std::string> container(1);
  for (const LayerSummary& row : summary.layers) {
    container.resize(static_cast<size_t>(row.depth) + 1);
    const std::string& parent = container.back();
    std::string name = row.path;
    if (!parent.empty() && name.compare(0, parent.size() + 1, parent + "/") == 0) {
      name = name.substr(parent.size() + 1);
    } else if (row.depth == 0 && name.find('/') != std::string::npos) {
      name = name.substr(name.find('/') + 1);  // the model's root node
    }
    names.push_back(std::string(2 * static_cast<size_t>(row.depth), ' ') + name);
    container.push_back(row.path);
  }
  size_t name_width = 5, kind_width = 4, shape_width = 12;
  for (size_t i = 0; i < names.size(); ++i) {
    name_width = std::max(name_width, names[i].size());
    kind_width = std::max(kind_width, summary.layers[i].kind.size());
    shape_width = std::max(shape_width, batch_shape(summary.layers[i].output_shape).size());
  }
  auto line = [&](const std::string& name, const std::string& kind, const std::string& shape,
                  const std::string& params, const std::string& flops) {
    return fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>11}  {:>15}\n", name, name_width, kind, kind_width, shape,
                       shape_width, params, flops);
  };
  std::string out = line("layer", "kind", "output shape", "params", "FLOPs");
  for (size_t i = 0; i < names.size(); ++i) {
    const LayerSummary& row = summary.layers[i];
    out += line(names[i], row.kind, batch_shape(row.output_shape), grouped(row.params), grouped(row.flops));
  }
  return out + fmt::format("total: {} params, {} FLOPs per example (forward; a multiply-add counts 2)\n",
                           grouped(summary.total_params), grouped(summary.total_flops));
}

nlohmann::json model_summary_json(const ModelSummary& summary) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerSummary& row : summary.layers) {
    nlohmann::json shape = nlohmann::json::array({"B"});
    for (size_t i = 1; i < row.output_shape.size(); ++i) shape.push_back(row.output_shape[i]);
    layers.push_back({{"path", row.path},
                      {"kind", row.kind},
                      {"depth", row.depth},
                      {"output_shape", shape},
                      {"params", row.params},
                      {"flops", row.flops}});
  }
  return {{"layers", layers}, {"total_flops", summary.total_flops}, {"total_params", summary.total_params}};
}

}  // namespace bx
