// The param tree as a table (blox inspect, blox validate): path, shape, dtype, role, count.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "blox/core/params.h"

namespace bx {

/// trainable; frozen (non-trainable, no state tag: e.g. by fine-tuning's freeze); or state
/// (Rng counters, batch-norm statistics, vocabularies: params carrying a "tag").
std::string param_role(const Param& param);

/// A fixed-width table, one row per param, then totals per role and in bytes.
std::string param_table(const Params& params);

/// One row per module (the first two path segments, e.g. model/conv1) with its trainable,
/// frozen and state element counts, in first-appearance order, then the totals: what
/// `blox train --dry-run` prints.
std::string module_table(const Params& params);

/// The same as JSON: {"params": [{path, shape, dtype, role, count, bytes}], "totals": {...}}.
nlohmann::json param_table_json(const Params& params);

}  // namespace bx
