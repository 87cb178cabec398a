// Embedding: integer ids to vectors; TiedOutput reuses its table as an output projection.
#pragma once

#include <memory>

#include "blox/core/init.h"
#include "blox/core/module.h"
#include "blox/core/param_scope.h"
#include "blox/core/rng.h"
#include "blox/schema/rule.h"

namespace bx {

/// Settings of Embedding; field names are the YAML keys.
struct EmbeddingSettings {
  int64_t vocab_size = 0;  ///< > 0
  int64_t features = 0;    ///< > 0
  Init table_init = init::normal(1.0);

  template <class Visit>
  void fields(Visit& visit) {
    visit("features", features, Rule::positive().required(), "the size of each vector");
    visit("vocab_size", vocab_size, Rule::non_negative().or_classes(), "table rows; 0: the text vocabulary");
    visit("table_init", table_init, Rule(), "initializer of the table");
  }
};

/// Params: `table` [vocab_size, features], trainable.
class Embedding final : public Layer {
 public:
  Embedding(Graph graph, EmbeddingSettings settings, std::shared_ptr<const Rng> rng);

  const EmbeddingSettings& settings() const { return settings_; }
  /// The table, created on `device` if missing.
  /// The table [vocab_size, features], got or created through `p` (a TiedOutput's scope too).
  at::Tensor table(ParamScope& p) const;

 protected:
  // ids: (...) integer -> (..., features). An id outside [0, vocab_size) is a DataError naming it.
  Output forward(Params params, const at::Tensor& ids, Mode mode) const override;

 private:
  EmbeddingSettings settings_;
};

/// Settings of PositionalEmbedding; field names are the YAML keys.
struct PositionalEmbeddingSettings {
  int64_t max_length = 0;  ///< > 0
  Init table_init = init::normal(0.02);

  template <class Visit>
  void fields(Visit& visit) {
    visit("max_length", max_length, Rule::positive().required(),
          "positions the table holds: the longest sequence it takes (e.g. data.sequence_length)");
    visit("table_init", table_init, Rule(), "initializer of the table (GPT-2's: normal, stddev 0.02)");
  }
};

/// Learned absolute positions (GPT-2's wpe): x + table[:T]. Params: `table` [max_length, D],
/// trainable; D from the first input.
class PositionalEmbedding final : public Layer {
 public:
  PositionalEmbedding(Graph graph, PositionalEmbeddingSettings settings, std::shared_ptr<const Rng> rng);

  const PositionalEmbeddingSettings& settings() const { return settings_; }

 protected:
  // x: (B, T, D) -> (B, T, D), T <= max_length (else ShapeError)
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  PositionalEmbeddingSettings settings_;
};

/// Settings of TiedOutput; field names are the YAML keys.
struct TiedOutputSettings {
  bool use_bias = true;  ///< its own `bias` [vocab_size]

  template <class Visit>
  void fields(Visit& visit) {
    visit("use_bias", use_bias, Rule(), "its own bias [vocab_size]");
  }
};

/// Weight tying: logits = x table^T (+ bias), using the Embedding's `table` param (one param
/// in two places; its gradient sums both uses).
class TiedOutput final : public Layer {
 public:
  TiedOutput(Graph graph, std::shared_ptr<const Embedding> embedding, TiedOutputSettings settings = {});

  const Embedding& embedding() const { return *embedding_; }
  const TiedOutputSettings& settings() const { return settings_; }

 protected:
  // x: (..., features) -> (..., vocab_size)
  Output forward(Params params, const at::Tensor& x, Mode mode) const override;

 private:
  std::shared_ptr<const Embedding> embedding_;
  TiedOutputSettings settings_;
};

}  // namespace bx
