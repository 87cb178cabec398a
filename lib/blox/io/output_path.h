// Where a command may write its output file: never over what it reads, nor over a checkpoint.
#pragma once

#include <string>
#include <vector>

namespace bx {

/// ConfigError unless `output` may be replaced by `command`: it must be a regular file or nothing
/// yet (require_regular_or_absent), and not one of `inputs` (the checkpoint or config being read)
/// nor any blox checkpoint, whose loss nothing brings back. "" (the command's default) passes.
void require_replaceable_output(const std::string& output, const std::vector<std::string>& inputs,
                                const std::string& command);

}  // namespace bx
