// The safetensors format: an 8-byte little-endian header length, a JSON header, raw data.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace bx {

struct TensorFile {
  std::vector<std::pair<std::string, at::Tensor>> tensors;  ///< in file order
  std::map<std::string, std::string> metadata;              ///< the "__metadata__" map
};

/// The file's bytes (tensors are copied to contiguous CPU memory, in the given order).
std::string encode_safetensors(const TensorFile& file);

/// Parses a safetensors file. Every size and offset is checked against the file before any
/// allocation; nothing in the file is executed. Throws CheckpointError naming the file and the
/// problem (truncated, bad header, unknown dtype, overlapping or out-of-range offsets).
TensorFile read_safetensors(const std::string& path);

}  // namespace bx
