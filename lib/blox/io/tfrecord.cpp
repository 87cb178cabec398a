#include "blox/io/tfrecord.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "blox/core/file_text.h"
#include "blox/core/errors.h"
#include "blox/io/crc32c.h"

namespace bx {
namespace {

constexpr size_t kHeaderBytes = 12;  // length, its CRC
constexpr size_t kFooterBytes = 4;   // the data's CRC

template <typename T>
void put_little_endian(std::string& out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

template <typename T>
T get_little_endian(std::string_view bytes) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  return value;
}

}  // namespace

uint32_t masked_crc32c(std::string_view bytes) {
  const uint32_t crc = crc32c(bytes);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string tfrecord(std::string_view data) {
  std::string out;
  out.reserve(kHeaderBytes + data.size() + kFooterBytes);
  put_little_endian<uint64_t>(out, data.size());
  put_little_endian<uint32_t>(out, masked_crc32c(out));
  out += data;
  put_little_endian<uint32_t>(out, masked_crc32c(data));
  return out;
}

TfRecords parse_tfrecords(std::string_view bytes, const std::string& name) {
  TfRecords result;
  size_t at = 0;
  while (at < bytes.size()) {
    const std::string_view rest = bytes.substr(at);
    const size_t number = result.records.size() + 1;
    if (rest.size() < kHeaderBytes) break;
    // A crash can leave a tail of zeros (space allocated, data never written): torn, not damaged.
    if (std::all_of(rest.begin(), rest.end(), [](char c) { return c == 0; })) break;
    const uint64_t length = get_little_endian<uint64_t>(rest);
    if (get_little_endian<uint32_t>(rest.substr(8)) != masked_crc32c(rest.substr(0, 8))) {
      throw DataError(fmt::format("{}: record {} (byte {}): its length's checksum does not match; the file is "
                                  "damaged", name, number, at));
    }
    // The length is checksummed, so a record longer than what is left was cut short.
    const size_t available = rest.size() - kHeaderBytes;
    if (available < kFooterBytes || length > available - kFooterBytes) break;
    const std::string_view data = rest.substr(kHeaderBytes, length);
    if (get_little_endian<uint32_t>(rest.substr(kHeaderBytes + length)) != masked_crc32c(data)) {
      throw DataError(fmt::format("{}: record {} (byte {}): its data's checksum does not match; the file is damaged",
                                  name, number, at));
    }
    result.records.emplace_back(data);
    at += kHeaderBytes + length + kFooterBytes;
  }
  result.torn_bytes = bytes.size() - at;
  return result;
}

TfRecords read_tfrecords(const std::string& path) {
  std::string why;
  const std::optional<std::string> bytes = read_file_text(path, &why);
  if (!bytes) throw DataError(fmt::format("{}: cannot read: {}", path, why));
  return parse_tfrecords(*bytes, path);
}

}  // namespace bx
