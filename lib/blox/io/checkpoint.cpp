// Checkpoint <-> safetensors. The metadata carries what tensors cannot: order, flags, tags.
#include "blox/io/checkpoint.h"

#include <charconv>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "blox/core/errors.h"
#include "blox/core/memory_layout.h"
#include "blox/core/suggest.h"
#include "blox/io/atomic_file.h"
#include "blox/io/safetensors.h"

namespace bx {
namespace {

constexpr const char* kFormat = "blox-checkpoint-1";

// CRC-32 over tensors' bytes in data order.
std::string checksum(const std::vector<at::Tensor>& tensors) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (const auto& t : tensors) {
    const at::Tensor c = t.detach().to(at::kCPU).contiguous();
    const auto* bytes = static_cast<const Bytef*>(c.data_ptr());
    size_t left = c.nbytes();
    while (left > 0) {
      const uInt chunk = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
      crc = crc32(crc, bytes, chunk);
      bytes += chunk;
      left -= chunk;
    }
  }
  return fmt::format("{:08x}", crc);
}

// CRC-32 over what the data checksum does not cover: every metadata entry but the checksums,
// and each tensor's name, dtype and shape in data order (a relabelled dtype keeps the bytes).
std::string header_checksum(const std::map<std::string, std::string>& metadata,
                            const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  uLong crc = crc32(0L, Z_NULL, 0);
  auto add = [&](const std::string& text) {
    crc = crc32(crc, reinterpret_cast<const Bytef*>(text.c_str()), static_cast<uInt>(text.size() + 1));  // with its NUL
  };
  for (const auto& [key, value] : metadata) {
    if (key == "checksum" || key == "header_checksum") continue;
    add(key);
    add(value);
  }
  for (const auto& [name, tensor] : tensors) {
    add(name);
    add(c10::toString(tensor.scalar_type()));
    add(fmt::format("{}", fmt::join(tensor.sizes(), ",")));
  }
  return fmt::format("{:08x}", crc);
}

// A metadata integer, all of its text, at least `minimum`.
int64_t integer(const std::map<std::string, std::string>& meta, const std::string& key, const std::string& path,
                int64_t minimum = 0) {
  auto it = meta.find(key);
  if (it == meta.end()) throw CheckpointError(fmt::format("{}: metadata '{}' is missing", path, key));
  const std::string& text = it->second;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw CheckpointError(fmt::format("{}: metadata '{}' is not an integer: '{}'", path, key, text));
  }
  if (value < minimum) {
    throw CheckpointError(fmt::format("{}: metadata '{}' is {}; expected at least {}", path, key, value, minimum));
  }
  return value;
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  TensorFile file;
  nlohmann::json params = nlohmann::json::array();
  std::vector<at::Tensor> data;
  for (size_t i = 0; i < c.params.size(); ++i) {
    const Param& p = c.params.param(i);
    params.push_back({{"path", c.params.key(i)}, {"trainable", p.trainable}, {"meta", p.meta}});
    file.tensors.emplace_back(c.params.key(i), p.value);
    data.push_back(p.value);
  }
  nlohmann::json optimizer = nlohmann::json::array();
  for (size_t i = 0; i < c.optimizer.size(); ++i) {
    if (c.params.contains(c.optimizer.key(i))) {
      throw CheckpointError(fmt::format("{}: optimizer path '{}' is also a param path", path, c.optimizer.key(i)));
    }
    optimizer.push_back(c.optimizer.key(i));
    file.tensors.emplace_back(c.optimizer.key(i), c.optimizer.param(i).value);
    data.push_back(c.optimizer.param(i).value);
  }
  file.metadata = {{"format", kFormat},
                   {"params", params.dump()},
                   {"optimizer", optimizer.dump()},
                   {"step", std::to_string(c.step)},
                   {"epoch", std::to_string(c.epoch)},
                   {"loader_epoch", std::to_string(c.loader.epoch)},
                   {"loader_batch", std::to_string(c.loader.batch)},
                   {"config", c.config},
                   {"tracking", nlohmann::json(c.tracking).dump()},
                   {"checksum", checksum(data)}};
  file.metadata["header_checksum"] = header_checksum(file.metadata, file.tensors);
  write_file_atomically(path, [&file](const WriteBytes& write) { write_safetensors(file, write); });
}

Checkpoint load_checkpoint(const std::string& path) {
  TensorFile file = read_safetensors(path);
  const auto& meta = file.metadata;
  auto format = meta.find("format");
  if (format == meta.end() || format->second != kFormat) {
    throw CheckpointError(fmt::format("{}: not a blox checkpoint (format '{}'; expected '{}')", path,
                                      format == meta.end() ? "none" : format->second, kFormat));
  }
  std::map<std::string, at::Tensor> by_name;
  std::vector<at::Tensor> data;
  for (auto& [name, tensor] : file.tensors) {
    by_name[name] = tensor;
    data.push_back(tensor);
  }
  for (const char* key : {"checksum", "params", "optimizer"}) {
    if (!meta.count(key)) throw CheckpointError(fmt::format("{}: metadata '{}' is missing", path, key));
  }
  if (checksum(data) != meta.at("checksum")) {
    throw CheckpointError(fmt::format("{}: checksum mismatch: the data section is corrupt", path));
  }
  // Only the keys save_checkpoint writes: a damaged key name (header_checksum with a flipped bit)
  // would otherwise pass as an older file without a header checksum.
  static const std::set<std::string> known{"format", "params", "optimizer", "step", "epoch", "loader_epoch",
                                           "loader_batch", "config", "tracking", "checksum", "header_checksum"};
  for (const auto& entry : meta) {
    if (!known.count(entry.first)) {
      throw CheckpointError(fmt::format("{}: unknown metadata key '{}' (damaged?){}", path, entry.first,
                                        did_you_mean(entry.first, std::vector<std::string>(known.begin(), known.end()))));
    }
  }
  // Files written before the header had a checksum have none; a present one must match.
  if (auto header = meta.find("header_checksum"); header != meta.end() && header->second != header_checksum(meta, file.tensors)) {
    throw CheckpointError(fmt::format("{}: header checksum mismatch: the metadata or a tensor's dtype or shape was "
                                      "altered", path));
  }
  auto take = [&](const std::string& name) {
    auto it = by_name.find(name);
    if (it == by_name.end()) throw CheckpointError(fmt::format("{}: tensor '{}' is listed but missing", path, name));
    return it->second;
  };
  Checkpoint c;
  try {
    for (const auto& p : nlohmann::json::parse(meta.at("params"))) {
      c.params = c.params.with(p.at("path").get<std::string>(),
                               Param{take(p.at("path").get<std::string>()), p.at("trainable").get<bool>(),
                                     p.at("meta").get<std::map<std::string, std::string>>()});
    }
    for (const auto& name : nlohmann::json::parse(meta.at("optimizer"))) {
      c.optimizer = c.optimizer.with(name.get<std::string>(), Param{take(name.get<std::string>()), false, {}});
    }
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(fmt::format("{}: bad params metadata: {}", path, e.what()));
  }
  c.step = integer(meta, "step", path);
  c.epoch = integer(meta, "epoch", path);
  c.loader = {integer(meta, "loader_epoch", path), integer(meta, "loader_batch", path)};
  auto config = meta.find("config");
  c.config = config == meta.end() ? "" : config->second;
  if (auto tracking = meta.find("tracking"); tracking != meta.end()) {
    try {
      c.tracking = nlohmann::json::parse(tracking->second).get<std::map<std::string, double>>();
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError(fmt::format("{}: bad tracking metadata: {}", path, e.what()));
    }
  }
  return c;
}

Params with_saved_values(const Params& structure, const Params& saved, const std::string& file) {
  return structure.map([&](const std::string& path, const Param& p) {
    const Param* value = saved.find(path);
    if (value == nullptr) {
      throw CheckpointError(fmt::format("{}: holds no '{}', which this config's model has; expected a checkpoint "
                                        "of this model", file, path));
    }
    if (value->value.sizes() != p.value.sizes() || value->value.scalar_type() != p.value.scalar_type()) {
      throw CheckpointError(fmt::format("{}: '{}' is {} [{}] where this config's model has {} [{}]", file, path,
                                        c10::toString(value->value.scalar_type()), fmt::join(value->value.sizes(), ", "),
                                        c10::toString(p.value.scalar_type()), fmt::join(p.value.sizes(), ", ")));
    }
    return in_layout_of(value->value, p.value);
  });
}

}  // namespace bx
