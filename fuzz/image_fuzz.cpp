// Image files (JPEG through libjpeg-turbo, PNG through libpng): any bytes give a header and pixels
// of the size it states, whole, as a region and at a reduced scale, or a DataError naming the file.
#include <cstring>

#include "blox/core/errors.h"
#include "blox/data/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const bx::ImageHeader header = bx::read_image_header(bytes, "fuzz");
    if (header.width * header.height > (int64_t{1} << 22)) return 0;  // big images: slow, not interesting
    for (int64_t channels : {3, 1}) {
      const bx::DecodedImage whole = bx::decode_image(bytes, "fuzz", {channels, std::nullopt, 0, 0});
      if (whole.pixels.size(0) != header.height || whole.pixels.size(1) != header.width ||
          whole.pixels.size(2) != channels) {
        __builtin_trap();
      }
    }
    // A region in the image's lower right quarter, then the same at the smallest scale that keeps 1 x 1.
    const bx::PixelBox box{header.width / 2, header.height / 2, (header.width + 1) / 2, (header.height + 1) / 2};
    const bx::DecodedImage region = bx::decode_image(bytes, "fuzz", {3, box, 0, 0});
    if (region.pixels.size(0) != box.height || region.pixels.size(1) != box.width) __builtin_trap();
    const bx::DecodedImage scaled = bx::decode_image(bytes, "fuzz", {3, box, 1, 1});
    if (scaled.pixels.size(0) < 1 || scaled.pixels.size(1) < 1 || scaled.pixels.size(0) > box.height) __builtin_trap();
  } catch (const bx::Error&) {
  }
  return 0;
}
