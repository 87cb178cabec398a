// Block templates: a layer spec written once under model.blocks, with ${parameters}, and used
// anywhere in model.layers by `use:` (with `repeat:` for runs of them), expanded before reading.
#pragma once

#include <yaml-cpp/yaml.h>

#include "blox/schema/source_map.h"

namespace bx {

/// Expands model.blocks in `root` (a merged config document) and removes it:
///
///   model:
///     blocks:
///       basic:                        # a template
///         with: {stride: 1}           # its parameters' defaults (optional)
///         layer: {type: residual, ...${channels}..${stride}...}
///     layers:
///       - {use: basic, name: "0", with: {channels: 64}}
///       - {use: basic, repeat: 3, with: {channels: 128}}   # names "0", "1", "2"; ${index} is each one's
///       - {use: basic, repeat: [1, 5], with: {...}}         # names "1" .. "5"
///
/// A scalar that is just "${p}" becomes p's value (a number, a list, a layer spec; null removes
/// the key it is the value of); "${p}" inside other text is replaced by p's text. Templates may
/// use templates (16 deep at most). Every problem (an unknown template or parameter, one not
/// given, `use` outside model.layers) throws ConfigError naming the file, line and column.
/// Expanded specs keep the template's keys' lines for later diagnostics.
void expand_blocks(YAML::Node root, SourceMap& sources);

}  // namespace bx
