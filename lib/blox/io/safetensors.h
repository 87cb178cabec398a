// The safetensors format: an 8-byte little-endian header length, a JSON header, raw data.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "blox/io/atomic_file.h"

namespace bx {

struct TensorFile {
  std::vector<std::pair<std::string, at::Tensor>> tensors;  ///< in file order
  std::map<std::string, std::string> metadata;              ///< the "__metadata__" map
};

/// Writes the file through `write`: the header, then each tensor's bytes in the given order,
/// one tensor at a time (only a tensor not contiguous in host memory is copied, alone).
void write_safetensors(const TensorFile& file, const WriteBytes& write);

/// The file's bytes in memory (for small files and tests).
std::string encode_safetensors(const TensorFile& file);

/// Parses a safetensors file. Every size and offset is checked against the file before any
/// allocation; nothing in the file is executed. Throws CheckpointError naming the file and the
/// problem (truncated, bad header, unknown dtype, overlapping or out-of-range offsets).
TensorFile read_safetensors(const std::string& path);

/// The file's "__metadata__" map (empty when it has none), reading the header only; the same
/// checks and errors as read_safetensors for the length and the header.
std::map<std::string, std::string> read_safetensors_metadata(const std::string& path);

}  // namespace bx
