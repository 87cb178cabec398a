// The one list of shipped layer types (explicit calls: no static-initializer registration).
#include "blox/layers/builtin_layers.h"

#include "blox/schema/layer_registry.h"

namespace bx {

void register_builtin_layers(LayerRegistry& registry) {
  register_linear(registry);
  register_activations(registry);
  register_flatten(registry);
  register_dropout(registry);
  register_sequential(registry);
  register_residual(registry);
  register_convolutions(registry);
  register_pools(registry);
  register_batch_norm(registry);
  register_norms(registry);
  register_embedding(registry);
  register_recurrent(registry);
  register_attention(registry);
  register_transformer(registry);
}

const LayerRegistry& builtin_layers() {
  static const LayerRegistry kBuiltin = [] {
    LayerRegistry r;
    register_builtin_layers(r);
    return r;
  }();
  return kBuiltin;
}

}  // namespace bx
