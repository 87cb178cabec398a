#include "blox/io/weights_file.h"

#include <fstream>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/io/safetensors.h"

namespace bx {
namespace {

// torch.save writes a zip archive (since PyTorch 1.6) or, before, a bare pickle. Neither start
// can begin a safetensors file: both read as a header length beyond the 64 MiB bound.
bool is_torch_save_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(head), 4);
  if (in.gcount() < 2) return false;
  const bool zip = in.gcount() == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
  const bool pickle = head[0] == 0x80 && head[1] >= 2 && head[1] <= 5;  // PROTO opcode, protocol 2..5
  return zip || pickle;
}

}  // namespace

WeightsOrigin weights_origin(const std::string& path) {
  std::map<std::string, std::string> metadata;
  try {
    metadata = read_safetensors_metadata(path);
  } catch (const CheckpointError&) {
    // libtorch 1.13's reader of these files returns nothing for an OrderedDict (what
    // state_dict() is) and runs a pickle interpreter on the file: they are not read here.
    if (is_torch_save_file(path)) {
      throw ConfigError(fmt::format(
          "{}: a torch.save pickle; blox reads safetensors only. Convert it in Python: "
          "import torch, safetensors.torch; safetensors.torch.save_file(torch.load('{}', map_location='cpu'), "
          "'model.safetensors') (a state dict of tensors; for a whole pickled model use its .state_dict())",
          path, path));
    }
    throw;
  }
  auto format = metadata.find("format");
  return format != metadata.end() && format->second.rfind("blox-", 0) == 0 ? WeightsOrigin::blox
                                                                            : WeightsOrigin::foreign;
}

}  // namespace bx
