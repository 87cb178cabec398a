// The layer types blox ships: one register function per layer file, called in one place.
#pragma once

namespace bx {

class LayerRegistry;

// Each is defined in its layer's own file under lib/blox/layers/.
void register_linear(LayerRegistry& registry);
void register_activations(LayerRegistry& registry);
void register_flatten(LayerRegistry& registry);
void register_dropout(LayerRegistry& registry);
void register_sequential(LayerRegistry& registry);
void register_residual(LayerRegistry& registry);
void register_convolutions(LayerRegistry& registry);
void register_pools(LayerRegistry& registry);
void register_batch_norm(LayerRegistry& registry);
void register_norms(LayerRegistry& registry);
void register_embedding(LayerRegistry& registry);
void register_recurrent(LayerRegistry& registry);
void register_attention(LayerRegistry& registry);
void register_transformer(LayerRegistry& registry);

/// All of the above.
void register_builtin_layers(LayerRegistry& registry);

/// A registry holding every layer type blox ships.
const LayerRegistry& builtin_layers();

}  // namespace bx
