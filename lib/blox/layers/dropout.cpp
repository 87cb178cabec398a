// Dropout with masks drawn from the Rng in params, so masks are reproducible and resumable.
#include "blox/layers/dropout.h"

#include <ATen/ops/empty_like.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/schema/settings.h"

namespace bx {

Dropout::Dropout(Graph graph, DropoutSettings settings, std::shared_ptr<const Rng> rng)
    : Layer(std::move(graph), "Dropout", std::move(rng)), settings_(settings) {
  check_settings(settings_, fmt::format("Dropout '{}'", path()));
  if (settings_.rate > 0.0 && !this->rng()) {
    throw SettingError("rate", fmt::format("Dropout '{}': rate {} needs an Rng; hint: pass one to its constructor", path(),
                                  settings_.rate));
  }
}

Layer::Output Dropout::forward(Params params, const at::Tensor& x, Mode mode) const {
  if (!is_training(mode) || settings_.rate == 0.0) return {x, std::move(params)};
  Key key;
  std::tie(key, params) = rng()->next(std::move(params));
  at::Generator generator = make_generator(key, x.device());
  const double keep = 1.0 - settings_.rate;
  // One buffer: Bernoulli(keep) draws, scaled in place to 0 or 1/keep.
  at::Tensor mask = at::empty_like(x, at::MemoryFormat::Contiguous).bernoulli_(keep, generator).div_(keep);
  return {x * mask, std::move(params)};
}


void register_dropout(LayerRegistry& registry) {
  registry.add("dropout", "zeroes elements with probability rate in training, scales the rest", DropoutSettings{},
               [](LayerBuild& b, const DropoutSettings& s) { return std::make_shared<Dropout>(b.graph, s, b.rng); });
}

}  // namespace bx
