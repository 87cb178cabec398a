// Embedding lookups with a range check: libtorch would read out of bounds or abort on bad ids.
#include "blox/layers/embedding.h"

#include <ATen/ops/aminmax.h>
#include <ATen/ops/embedding.h>
#include <ATen/ops/matmul.h>
#include <fmt/format.h>

#include "blox/layers/builtin_layers.h"
#include "blox/schema/layer_registry.h"

#include "blox/core/errors.h"
#include "blox/schema/settings.h"

namespace bx {

Embedding::Embedding(Graph graph, EmbeddingSettings settings, std::shared_ptr<const Rng> rng)
    : Layer(std::move(graph), "Embedding", std::move(rng)), settings_(std::move(settings)) {
  check_settings(settings_, fmt::format("Embedding '{}'", path()));
  // 0 means "from the dataset" in a config; built, a table needs rows.
  if (settings_.vocab_size <= 0) {
    throw SettingError("vocab_size", fmt::format("Embedding '{}': vocab_size: expected an integer > 0, got {}", path(),
                                                 settings_.vocab_size));
  }
}

at::Tensor Embedding::table(ParamScope& p) const {
  // The table's path is this embedding's own, whichever layer's scope asks for it.
  return p.get_of(*this, "table", {settings_.vocab_size, settings_.features}, settings_.table_init);
}

Layer::Output Embedding::forward(Params params, const at::Tensor& ids, Mode) const {
  if (at::isFloatingType(ids.scalar_type()) || ids.scalar_type() == at::kBool) {
    throw DataError(fmt::format("Embedding '{}': ids must be integers, got {}", path(), c10::toString(ids.scalar_type())));
  }
  if (ids.numel() > 0) {
    auto [low, high] = at::aminmax(ids);
    const int64_t lo = low.item<int64_t>();
    const int64_t hi = high.item<int64_t>();
    if (lo < 0 || hi >= settings_.vocab_size) {
      throw DataError(fmt::format("Embedding '{}': id {} is out of range [0, {})", path(), lo < 0 ? lo : hi,
                                  settings_.vocab_size));
    }
  }
  ParamScope p(*this, std::move(params), ids.device());
  const at::Tensor t = table(p);
  return {at::embedding(t, ids.to(at::kLong)), p.release()};
}

PositionalEmbedding::PositionalEmbedding(Graph graph, PositionalEmbeddingSettings settings,
                                         std::shared_ptr<const Rng> rng)
    : Layer(std::move(graph), "PositionalEmbedding", std::move(rng)), settings_(std::move(settings)) {
  check_settings(settings_, fmt::format("PositionalEmbedding '{}'", path()));
}

Layer::Output PositionalEmbedding::forward(Params params, const at::Tensor& x, Mode) const {
  if (x.dim() != 3 || x.size(1) > settings_.max_length) {
    throw ShapeError(fmt::format("PositionalEmbedding '{}': expected input (B, T, D) with T <= max_length {}, got "
                                 "shape {}",
                                 path(), settings_.max_length, format_shape(x.sizes())));
  }
  ParamScope p(*this, std::move(params), x.device());
  const at::Tensor table = p.get("table", {settings_.max_length, x.size(2)}, settings_.table_init);
  return {x + table.narrow(0, 0, x.size(1)).to(x.scalar_type()), p.release()};
}

TiedOutput::TiedOutput(Graph graph, std::shared_ptr<const Embedding> embedding, TiedOutputSettings settings)
    : Layer(std::move(graph), "TiedOutput"), embedding_(std::move(embedding)), settings_(settings) {
  if (!embedding_) throw ConfigError(fmt::format("TiedOutput '{}': needs an Embedding to tie to", path()));
}

Layer::Output TiedOutput::forward(Params params, const at::Tensor& x, Mode) const {
  const int64_t features = embedding_->settings().features;
  if (x.dim() < 1 || x.size(-1) != features) {
    throw ShapeError(fmt::format("TiedOutput '{}': expected input (..., {}) to match Embedding '{}', got shape {}",
                                 path(), features, embedding_->path(), format_shape(x.sizes())));
  }
  ParamScope p(*this, std::move(params), x.device());
  const at::Tensor logits = at::matmul(x, embedding_->table(p).t());
  if (!settings_.use_bias) return {logits, p.release()};
  return {logits + p.get("bias", {embedding_->settings().vocab_size}, init::zeros()), p.release()};
}


void register_embedding(LayerRegistry& registry) {
  registry.add("embedding", "integer ids (B, ...) to vectors (B, ..., features)", EmbeddingSettings{},
               [](LayerBuild& b, EmbeddingSettings s) -> std::shared_ptr<const Layer> {
                 if (s.vocab_size == 0) s.vocab_size = b.classes;
                 if (s.vocab_size == 0) {
                   b.options.error("vocab_size", "needs vocab_size, or a text dataset whose vocabulary gives it");
                   return nullptr;
                 }
                 return std::make_shared<Embedding>(b.graph, s, b.rng);
               });
  registry.add("positional_embedding", "learned absolute positions added to (B, T, D): x + table[:T]",
               PositionalEmbeddingSettings{}, [](LayerBuild& b, PositionalEmbeddingSettings s) -> std::shared_ptr<const Layer> {
                 return std::make_shared<PositionalEmbedding>(b.graph, s, b.rng);
               });
  TypeDoc tied{"logits against an earlier embedding's table (weight tying)",
               {{"embedding", "string", "", "required", "the name of an earlier embedding layer"}}};
  for (auto& row : settings_doc(TiedOutputSettings{})) tied.fields.push_back(row);
  registry.add_parser("tied_output", tied, [](LayerBuild& b) -> std::shared_ptr<const Layer> {
    const std::string target = b.options.required_string("embedding");
    // A missing key is reported once: not again as a search for a layer named ''.
    auto embedding = b.options.has("embedding")
                         ? std::dynamic_pointer_cast<const Embedding>(b.earlier("embedding", target))
                         : nullptr;
    const auto settings = read_settings(b.options, TiedOutputSettings{});
    if (!embedding || !settings) return nullptr;
    return std::make_shared<TiedOutput>(b.graph, embedding, *settings);
  });
}

}  // namespace bx
