// CRC-32C (Castagnoli), the checksum of TFRecord files. No Debian C/C++ package provides it.
#pragma once

#include <cstdint>
#include <string_view>

namespace bx {

/// The CRC-32C of `bytes` (reflected polynomial 0x82F63B78, initial value and final xor
/// 0xFFFFFFFF); `crc` is the CRC of the bytes before them, so a CRC can be computed in pieces.
/// crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::string_view bytes, uint32_t crc = 0);

}  // namespace bx
