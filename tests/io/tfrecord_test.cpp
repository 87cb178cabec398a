// TFRecord framing: the bytes TensorBoard's own RecordWriter writes, round trips, damage found
// (a flipped byte in a length or in data), a record cut short at the end left out.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/io/tfrecord.h"

using namespace bx;

namespace {

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

uint32_t u32_at(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
  return v;
}

}  // namespace

TEST_CASE("tfrecord: the bytes of TensorBoard's RecordWriter; masked CRCs") {
  // tensorboard.summary.writer.record_writer.RecordWriter().write(b"hello"), tensorboard 2.21.
  CHECK(tfrecord("hello") == from_hex("0500000000000000eab2043e68656c6c6fbb1f1c19"));
  // TensorBoard's masked_crc32c(b"123456789").
  CHECK(masked_crc32c("123456789") == 0xC78AB0E5u);
  const std::string data("binary\0data\xff", 12);
  const std::string record = tfrecord(data);
  REQUIRE(record.size() == 8 + 4 + data.size() + 4);
  CHECK(record.substr(0, 8) == std::string("\x0c\0\0\0\0\0\0\0", 8));  // the length, little-endian
  CHECK(u32_at(record, 8) == masked_crc32c(record.substr(0, 8)));
  CHECK(record.substr(12, data.size()) == data);
  CHECK(u32_at(record, 12 + data.size()) == masked_crc32c(data));
}

TEST_CASE("parse_tfrecords: records back in order, an empty one included") {
  const std::vector<std::string> records{"first", "", std::string("\0\x01\x02", 3), std::string(1000, 'x')};
  std::string file;
  for (const auto& r : records) file += tfrecord(r);
  const TfRecords back = parse_tfrecords(file, "f");
  CHECK(back.records == records);
  CHECK(back.torn_bytes == 0);
  CHECK(parse_tfrecords("", "f").records.empty());
}

TEST_CASE("parse_tfrecords: a flipped byte anywhere in a record is found and named") {
  const std::string file = tfrecord("first") + tfrecord("second record");
  const size_t second = tfrecord("first").size();
  for (size_t at = second; at < file.size(); ++at) {
    CAPTURE(at);
    std::string damaged = file;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    const std::string part = at < second + 12 ? "its length's checksum" : "its data's checksum";
    CHECK_THROWS_WITH_AS(parse_tfrecords(damaged, "run/events"),
                         doctest::Contains(("run/events: record 2 (byte " + std::to_string(second) + "): " + part).c_str()),
                         DataError);
  }
}

TEST_CASE("parse_tfrecords: a last record cut short (a crash mid-write) is left out and counted") {
  const std::string whole = tfrecord("kept");
  const std::string last = tfrecord("cut short");
  for (size_t keep = 1; keep < last.size(); ++keep) {
    CAPTURE(keep);
    const TfRecords back = parse_tfrecords(whole + last.substr(0, keep), "f");
    CHECK(back.records == std::vector<std::string>{"kept"});
    CHECK(back.torn_bytes == keep);
  }
}

TEST_CASE("parse_tfrecords: a zero-filled tail (space allocated, data never written) is torn, not damage") {
  const TfRecords back = parse_tfrecords(tfrecord("kept") + std::string(64, '\0'), "f");
  CHECK(back.records == std::vector<std::string>{"kept"});
  CHECK(back.torn_bytes == 64);
  // Zeros followed by anything else are damage: a record whose length checksum fails.
  CHECK_THROWS_AS(parse_tfrecords(tfrecord("kept") + std::string(16, '\0') + "x", "f"), DataError);
}

TEST_CASE("read_tfrecords: a missing file is a DataError naming it") {
  CHECK_THROWS_WITH_AS(read_tfrecords("/nonexistent/events.out.tfevents.1.x.blox"),
                       doctest::Contains("/nonexistent/events.out.tfevents.1.x.blox: cannot read"), DataError);
}
