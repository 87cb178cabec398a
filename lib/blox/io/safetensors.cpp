// safetensors encoding and strict decoding (the public format, readable from Python).
#include "blox/io/safetensors.h"

#include <algorithm>
#include <optional>
#include <set>
#include <cstring>
#include <fstream>

#include <ATen/ops/empty.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"

namespace bx {
namespace {

// Header sizes beyond this are refused before reading: a real header is kilobytes.
constexpr uint64_t kMaxHeader = 64ull << 20;

const std::vector<std::pair<std::string, at::ScalarType>>& dtypes() {
  static const std::vector<std::pair<std::string, at::ScalarType>> kTypes = {
      {"F32", at::kFloat}, {"F64", at::kDouble}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"I64", at::kLong},
      {"I32", at::kInt},   {"I16", at::kShort},  {"I8", at::kChar},  {"U8", at::kByte},       {"BOOL", at::kBool}};
  return kTypes;
}

std::string dtype_name(at::ScalarType type) {
  for (const auto& [name, t] : dtypes()) {
    if (t == type) return name;
  }
  throw CheckpointError(fmt::format("safetensors: dtype {} cannot be stored", c10::toString(type)));
}

// The "__metadata__" map: strings only.
std::map<std::string, std::string> read_metadata(const nlohmann::json& value, const std::string& path) {
  if (!value.is_object()) throw CheckpointError(fmt::format("{}: __metadata__ is not an object", path));
  std::map<std::string, std::string> out;
  for (auto m = value.begin(); m != value.end(); ++m) {
    if (!m->is_string()) throw CheckpointError(fmt::format("{}: metadata '{}' is not a string", path, m.key()));
    out[m.key()] = m->get<std::string>();
  }
  return out;
}

struct Header {
  std::ifstream in;  ///< positioned after the header
  uint64_t file_size = 0;
  uint64_t size = 0;  ///< of the JSON text
  nlohmann::json json;
};

// Opens `path` and parses its JSON header, sized against the file before it is read.
Header read_header(const std::string& path) {
  Header h;
  h.in.open(path, std::ios::binary | std::ios::ate);
  if (!h.in) throw CheckpointError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  h.file_size = static_cast<uint64_t>(h.in.tellg());
  h.in.seekg(0);
  if (h.file_size < 8) {
    throw CheckpointError(fmt::format("{}: truncated: {} bytes, shorter than the 8-byte header length", path, h.file_size));
  }
  unsigned char len[8];
  h.in.read(reinterpret_cast<char*>(len), 8);
  for (int i = 7; i >= 0; --i) h.size = (h.size << 8) | len[i];
  if (h.size > kMaxHeader || h.size > h.file_size - 8) {
    throw CheckpointError(fmt::format("{}: header length {} does not fit in a {}-byte file{}", path, h.size, h.file_size,
                                      h.size > h.file_size - 8 ? " (truncated?)" : ""));
  }
  std::string json(h.size, '\0');
  h.in.read(json.data(), static_cast<std::streamsize>(h.size));
  // A key twice in one object would be read as its last value, silently (nlohmann keeps one).
  std::vector<std::set<std::string>> keys;
  std::optional<std::string> repeated;
  const nlohmann::json::parser_callback_t no_repeated_key = [&](int depth, nlohmann::json::parse_event_t event,
                                                                nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    // An object starts at depth d; its keys come at depth d + 1.
    const size_t level = static_cast<size_t>(depth);
    if (event == Event::object_start) {
      if (keys.size() < level + 2) keys.resize(level + 2);
      keys[level + 1].clear();
    }
    if (event == Event::key && level < keys.size() && !repeated && !keys[level].insert(parsed.get<std::string>()).second) {
      repeated = parsed.get<std::string>();
    }
    return true;
  };
  try {
    h.json = nlohmann::json::parse(json, no_repeated_key);
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(fmt::format("{}: the header is not valid JSON: {}", path, e.what()));
  }
  if (repeated) throw CheckpointError(fmt::format("{}: the header holds the key '{}' twice", path, *repeated));
  if (!h.json.is_object()) throw CheckpointError(fmt::format("{}: the header is not a JSON object", path));
  return h;
}

}  // namespace

void write_safetensors(const TensorFile& file, const WriteBytes& write) {
  // The header first, from sizes alone; then each tensor's bytes, one at a time.
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : file.tensors) {
    const uint64_t bytes = tensor.nbytes();
    header[name] = {{"dtype", dtype_name(tensor.scalar_type())}, {"shape", tensor.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  char length[8];
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  write(length, 8);
  write(json.data(), json.size());
  for (const auto& [name, tensor] : file.tensors) {
    // A copy only where the tensor is not already contiguous in host memory (a GPU tensor).
    const at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
    write(static_cast<const char*>(t.data_ptr()), t.nbytes());
  }
}

std::string encode_safetensors(const TensorFile& file) {
  std::string out;
  write_safetensors(file, [&out](const char* data, size_t size) { out.append(data, size); });
  return out;
}

TensorFile read_safetensors(const std::string& path) {
  Header h = read_header(path);
  std::ifstream& in = h.in;
  const nlohmann::json& header = h.json;
  const uint64_t header_size = h.size;
  const uint64_t data_size = h.file_size - 8 - header_size;
  TensorFile out;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  struct Entry {
    std::string name;
    at::ScalarType type;
    std::vector<int64_t> shape;
    uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      out.metadata = read_metadata(*it, path);
      continue;
    }
    const auto& e = *it;
    const std::string where = fmt::format("{}: tensor '{}'", path, it.key());
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets") ||
        !e["dtype"].is_string() || !e["shape"].is_array() || !e["data_offsets"].is_array() || e["data_offsets"].size() != 2) {
      throw CheckpointError(where + ": expected {dtype, shape, data_offsets: [begin, end]}");
    }
    auto type = std::find_if(dtypes().begin(), dtypes().end(), [&](const auto& d) { return d.first == e["dtype"]; });
    if (type == dtypes().end()) throw CheckpointError(fmt::format("{}: unknown dtype {}", where, e["dtype"].dump()));
    Entry entry{it.key(), type->second, {}, 0, 0};
    // The product of the non-zero sizes stays below 2^40, checked before each multiplication (a
    // product that wraps around would pass any later check; libtorch's own overflows).
    constexpr uint64_t kMaxCount = 1ull << 40;
    uint64_t nonzero = 1;
    bool empty = false;
    for (const auto& d : e["shape"]) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > kMaxCount) throw CheckpointError(where + ": bad shape");
      const uint64_t size = d.get<uint64_t>();
      entry.shape.push_back(static_cast<int64_t>(size));
      if (size == 0) {
        empty = true;
        continue;
      }
      if (nonzero > kMaxCount / size) throw CheckpointError(where + ": impossible size " + e["shape"].dump());
      nonzero *= size;
    }
    const uint64_t count = empty ? 0 : nonzero;
    if (!e["data_offsets"][0].is_number_unsigned() || !e["data_offsets"][1].is_number_unsigned()) {
      throw CheckpointError(where + ": data_offsets must be non-negative integers");
    }
    entry.begin = e["data_offsets"][0].get<uint64_t>();
    entry.end = e["data_offsets"][1].get<uint64_t>();
    const uint64_t expected = count * c10::elementSize(entry.type);
    if (entry.end < entry.begin || entry.end - entry.begin != expected) {
      throw CheckpointError(fmt::format("{}: data_offsets [{}, {}] hold {} bytes; shape and dtype need {}", where,
                                        entry.begin, entry.end, entry.end - entry.begin, expected));
    }
    if (entry.end > data_size) {
      throw CheckpointError(fmt::format("{}: data ends at byte {} but the file has {} bytes of data (truncated?)", where,
                                        entry.end, data_size));
    }
    entries.push_back(entry);
  }
  // The data section is exactly the tensors' bytes (as the safetensors format says): bytes after
  // the last one are a damaged or appended file, not data.
  uint64_t data_end = 0;
  for (const Entry& e : entries) data_end = std::max(data_end, e.end);
  if (data_end != data_size) {
    throw CheckpointError(fmt::format("{}: {} bytes after the last tensor's data (the file was appended to or damaged)",
                                      path, data_size - data_end));
  }
  // Tensors must not overlap (a file that aliases them is malformed).
  std::vector<Entry> sorted = entries;
  std::sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  // Against the furthest end so far, so an empty tensor between two overlapping ones hides nothing.
  size_t furthest = 0;
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].end > sorted[i].begin && sorted[i].begin < sorted[furthest].end) {
      throw CheckpointError(fmt::format("{}: tensors '{}' and '{}' overlap", path, sorted[furthest].name, sorted[i].name));
    }
    if (sorted[i].end > sorted[furthest].end) furthest = i;
  }
  // nlohmann orders keys alphabetically; file order is data order.
  for (const Entry& e : sorted) {
    at::Tensor t = at::empty(e.shape, at::TensorOptions().dtype(e.type));
    in.seekg(static_cast<std::streamoff>(8 + header_size + e.begin));
    in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(e.end - e.begin));
    if (!in) throw CheckpointError(fmt::format("{}: tensor '{}': read failed", path, e.name));
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

std::map<std::string, std::string> read_safetensors_metadata(const std::string& path) {
  const Header h = read_header(path);
  auto it = h.json.find("__metadata__");
  return it == h.json.end() ? std::map<std::string, std::string>{} : read_metadata(*it, path);
}

}  // namespace bx
