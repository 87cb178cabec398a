// TFRecord framing, the container of TensorBoard event files. Each record is
//   uint64 length | uint32 masked CRC-32C of those 8 bytes | data | uint32 masked CRC-32C of data
// with integers little-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bx {

/// TFRecord's masked CRC of `bytes`: ((crc >> 15) | (crc << 17)) + 0xa282ead8 of their CRC-32C
/// (the mask keeps a CRC of data that holds CRCs from being trivially related to them).
uint32_t masked_crc32c(std::string_view bytes);

/// `data` framed as one record.
std::string tfrecord(std::string_view data);

/// The records of a TFRecord file.
struct TfRecords {
  std::vector<std::string> records;
  /// Bytes after the last whole record: a write cut short (a crash mid-record). 0 normally.
  size_t torn_bytes = 0;
};

/// Splits `bytes` into records, checking both CRCs of each. Throws DataError naming `name` and
/// the record's number and byte offset when a CRC does not match. An incomplete last record is a
/// write cut short, not damage: it is left out and counted in torn_bytes.
TfRecords parse_tfrecords(std::string_view bytes, const std::string& name);

/// parse_tfrecords of the file at `path`; DataError naming it when it cannot be read.
TfRecords read_tfrecords(const std::string& path);

}  // namespace bx
