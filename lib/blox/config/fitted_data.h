// Values a run fits on its training data and keeps in its resolved config: data.categories,
// data.class_names and the mean and std of a standardize transform.
#pragma once

#include <string>
#include <vector>

namespace bx {

/// `stored_config`'s fitted values (a checkpoint's config) as --set overrides, for the entries
/// the config at `path` (with `overrides`) has too: eval, predict and export of a YAML config
/// with a checkpoint then use what the model was trained with, not a refit on today's files.
std::vector<std::string> fitted_data_overrides(const std::string& stored_config, const std::string& path,
                                               const std::vector<std::string>& overrides);

}  // namespace bx
