// The settings tables of configs/README.md, generated from the settings structs' field lists and
// the type registries (`blox schema`), so the documentation cannot drift from the reader.
#pragma once

#include <string>
#include <vector>

namespace bx {

/// Markdown: the keys of `train:`, `checkpoint:`, `loss:` and data batching, then every layer
/// type, optimizer, schedule and loss with its keys, defaults, rules and help.
std::string schema_markdown();

/// Every key `--set` can name outside the lists (model.layers, data.transforms), as dotted paths
/// ("train.epochs", "optimizer.momentum"), sorted, from the same tables: for shell completion.
std::vector<std::string> settable_keys();

/// `readme` with the text between its generated-schema markers replaced by schema_markdown().
/// Throws ConfigError when the markers are missing.
std::string with_generated_schema(const std::string& readme);

/// The markers around the generated part of configs/README.md.
extern const char* const kSchemaBegin;
extern const char* const kSchemaEnd;

}  // namespace bx
