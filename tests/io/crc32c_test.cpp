// CRC-32C: the standard check value, RFC 3720's test vectors, CRCs computed in pieces.
#include <string>

#include <doctest/doctest.h>

#include "blox/io/crc32c.h"

using namespace bx;

TEST_CASE("crc32c: the check value of \"123456789\" and RFC 3720's (iSCSI) test vectors") {
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c("") == 0u);
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(crc32c(std::string(32, '\xFF')) == 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending += static_cast<char>(i);
  CHECK(crc32c(ascending) == 0x46DD794Eu);
}

TEST_CASE("crc32c: a CRC continued over the rest of the bytes is the CRC of the whole") {
  CHECK(crc32c("6789", crc32c("12345")) == crc32c("123456789"));
  CHECK(crc32c("123456789", crc32c("")) == 0xE3069283u);
}
