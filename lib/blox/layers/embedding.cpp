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

std::pair<at::Tensor, Params> Embedding::table(Params params, c10::Device device) const {
  return get_param(std::move(params), "table", {settings_.vocab_size, settings_.features}, settings_.table_init,
                   {true, device, {}});
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
  at::Tensor t;
  std::tie(t, params) = table(std::move(params), ids.device());
  return {at::embedding(t, ids.to(at::kLong)), std::move(params)};
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
  at::Tensor table, bias;
  std::tie(table, params) = embedding_->table(std::move(params), x.device());
  at::Tensor logits = at::matmul(x, table.t());
  if (!settings_.use_bias) return {logits, std::move(params)};
  std::tie(bias, params) =
      get_param(std::move(params), "bias", {embedding_->settings().vocab_size}, init::zeros(), {true, x.device(), {}});
  return {logits + bias, std::move(params)};
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
  TypeDoc tied{"logits against an earlier embedding's table (weight tying)",
               {{"embedding", "string", "", "required", "the name of an earlier embedding layer"}}};
  for (auto& row : settings_doc(TiedOutputSettings{})) tied.fields.push_back(row);
  registry.add_parser("tied_output", tied, [](LayerBuild& b) -> std::shared_ptr<const Layer> {
    const std::string target = b.options.required_string("embedding");
    auto embedding = std::dynamic_pointer_cast<const Embedding>(b.earlier("embedding", target));
    const auto settings = read_settings(b.options, TiedOutputSettings{});
    if (!embedding || !settings) return nullptr;
    return std::make_shared<TiedOutput>(b.graph, embedding, *settings);
  });
}

}  // namespace bx
