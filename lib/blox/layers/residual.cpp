// Residual connection.
#include "blox/layers/residual.h"

#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/core/tensor_ownership.h"

namespace bx {

Residual::Residual(Graph graph, std::vector<std::shared_ptr<const Layer>> branch, std::shared_ptr<const Layer> shortcut,
                   std::shared_ptr<const Layer> after)
    : Layer(std::move(graph), "Residual"), branch_(std::move(branch)), shortcut_(std::move(shortcut)), after_(std::move(after)) {
  if (branch_.empty()) throw ConfigError(fmt::format("Residual '{}': needs at least one layer in its branch", path()));
  for (const auto& layer : branch_) {
    if (!layer) throw ConfigError(fmt::format("Residual '{}': a layer of its branch is null", path()));
  }
}

Layer::Output Residual::forward(Params params, const at::Tensor& x, Mode mode) const {
  at::Tensor fx = x;
  for (const auto& layer : branch_) std::tie(fx, params) = (*layer)(std::move(params), fx, mode);
  at::Tensor sx = x;
  if (shortcut_) std::tie(sx, params) = (*shortcut_)(std::move(params), x, mode);
  if (fx.sizes() != sx.sizes()) {
    const std::string what = shortcut_ ? fmt::format("its shortcut {} '{}' to {}", shortcut_->kind(), shortcut_->path(),
                                                     format_shape(sx.sizes()))
                                       : fmt::format("the identity shortcut keeps {}", format_shape(sx.sizes()));
    throw ShapeError(fmt::format("Residual '{}': its branch maps shape {} to {}, but {}; hint: {}", path(),
                                 format_shape(x.sizes()), format_shape(fx.sizes()), what,
                                 shortcut_ ? "make the shortcut's output match the branch's"
                                           : "add a shortcut layer that projects the input (e.g. a 1x1 conv2d with the "
                                             "branch's stride and output_channels)"));
  }
  // The branch's fresh output, held by nobody else, takes the sum in place (one allocation less),
  // and is handed on alone (so a ReLU after the add may overwrite it in turn).
  at::Tensor y;
  if (overwritable(fx) && fx.scalar_type() == sx.scalar_type() && fx.device() == sx.device()) {
    fx.add_(sx);
    y = std::move(fx);
  } else {
    y = fx + sx;
  }
  if (after_) std::tie(y, params) = (*after_)(std::move(params), y, mode);
  return {std::move(y), std::move(params)};
}

void register_residual(LayerRegistry& registry) {
  registry.add_parser(
      "residual",
      {"y = after(shortcut(x) + branch(x)): the branch (`layer`, or `layers` in order), an optional shortcut (default "
       "the identity) and an optional layer after the add",
       {{"layer", "layer spec", "", "this or layers", "the branch, one layer"},
        {"layers", "list of layer specs", "", "this or layer", "the branch, layers in order"},
        {"shortcut", "layer spec", "", "optional", "applied to x before the add (a projection); default the identity"},
        {"after", "layer spec", "", "optional", "applied to the sum (e.g. {type: relu})"}}},
      [](LayerBuild& b) -> std::shared_ptr<const Layer> {
        const bool one = b.options.has("layer"), many = b.options.has("layers");
        if (one == many) {
          b.options.known("layer");
          b.options.known("layers");
          b.options.error(one ? "layers" : "", one ? "residual: give its branch as `layer` or `layers`, not both"
                                                   : "residual: missing its branch: `layer` (one spec) or `layers` (a list)");
          return nullptr;
        }
        std::vector<std::shared_ptr<const Layer>> branch;
        if (one) {
          if (auto inner = b.child("layer")) branch.push_back(std::move(inner));
        } else {
          branch = b.children("layers");
        }
        std::shared_ptr<const Layer> shortcut, after;
        bool ok = !branch.empty();
        if (b.options.has("shortcut") && !(shortcut = b.child("shortcut"))) ok = false;
        if (b.options.has("after") && !(after = b.child("after"))) ok = false;
        if (!ok) return nullptr;  // the children's problems are reported already
        return std::make_shared<Residual>(b.graph, std::move(branch), std::move(shortcut), std::move(after));
      });
}

}  // namespace bx
