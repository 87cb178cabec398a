#include "blox/io/output_path.h"

#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/io/atomic_file.h"
#include "blox/io/safetensors.h"

namespace bx {

void require_replaceable_output(const std::string& output, const std::vector<std::string>& inputs,
                                const std::string& command) {
  if (output.empty()) return;  // the command's default (standard output, or a path of its own)
  require_regular_or_absent(output);
  std::error_code error;
  if (!std::filesystem::is_regular_file(output, error)) return;
  for (const auto& input : inputs) {
    if (!input.empty() && std::filesystem::equivalent(output, input, error)) {
      throw ConfigError(fmt::format("{} -o {}: that is the file being read; write elsewhere", command, output));
    }
  }
  std::map<std::string, std::string> metadata;
  try {
    metadata = read_safetensors_metadata(output);
  } catch (const Error&) {
    return;  // not a safetensors file: an earlier output of ours, or the user's to replace
  }
  if (metadata.count("format") && metadata.at("format").rfind("blox-checkpoint", 0) == 0) {
    throw ConfigError(fmt::format("{} -o {}: that file is a blox checkpoint; write elsewhere (or remove it first)",
                                  command, output));
  }
}

}  // namespace bx
