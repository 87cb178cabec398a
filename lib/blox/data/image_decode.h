// Decoding JPEG (libjpeg-turbo) and PNG (libpng) files to uint8 pixels, reading only what is
// needed: a JPEG's header alone for its size, and for a region of it only the rows (and the
// iMCU columns) the region covers, at a reduced DCT scale when the output is smaller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <ATen/core/Tensor.h>

namespace bx {

enum class ImageFormat { jpeg, png };

/// A rectangle of pixels: x (column) and y (row) of its top-left corner, width and height.
struct PixelBox {
  int64_t x = 0, y = 0, width = 0, height = 0;
  bool operator==(const PixelBox& o) const { return x == o.x && y == o.y && width == o.width && height == o.height; }
};

/// What a file's header says.
struct ImageHeader {
  ImageFormat format = ImageFormat::jpeg;
  int64_t width = 0, height = 0;
};

/// Reads the header of the image in `bytes` (JPEG or PNG, told apart by their signatures).
/// Throws DataError naming `source` for anything else: another format, a damaged header, a
/// CMYK JPEG.
ImageHeader read_image_header(const std::string& bytes, const std::string& source);

/// What to decode: the channels (1: luma as PIL's convert("L"), 3: RGB, grey images repeated,
/// alpha dropped; 4: RGBA as PIL's convert("RGBA"), alpha kept, 255 where the file has none), a region (default: the whole image) and the size it will be resized to, which
/// lets a JPEG decode at 1/2, 1/4 or 1/8 scale while the region stays at least that large.
struct DecodeRequest {
  int64_t channels = 3;
  std::optional<PixelBox> region;
  int64_t min_width = 0, min_height = 0;  ///< 0: full resolution
};

/// Decoded pixels: uint8 (H, W, C). `scale` is the DCT scale's denominator (1, 2, 4 or 8): the
/// pixels show the requested region at 1/scale of its size (rounded to whole pixels).
struct DecodedImage {
  at::Tensor pixels;
  int64_t scale = 1;
};

/// Decodes `bytes`. Throws DataError naming `source` and what is wrong (a truncated file, a
/// region outside the image, an unsupported colour space).
DecodedImage decode_image(const std::string& bytes, const std::string& source, const DecodeRequest& request = {});

/// RGB (H, W, 3) uint8 to luma (H, W, 1) as PIL's convert("L"): (19595 R + 38470 G + 7471 B + 2^15) >> 16.
at::Tensor rgb_to_luma(const at::Tensor& rgb);

}  // namespace bx
