// JPEG and PNG decoding against PIL's pixels (the same libjpeg-turbo), partial and scaled JPEG
// decoding against a full decode, and bad files named.
#include <ATen/ops/abs.h>

#include "blox/core/errors.h"
#include "blox/data/image_decode.h"
#include "support/helpers.h"
#include "support/image_reference.h"

using namespace bx;
using namespace bx::test;

namespace {

DecodedImage decode_file(const TempDir& dir, const std::string& name, const DecodeRequest& request = {}) {
  const std::string path = (dir.path / name).string();
  return decode_image(read_text(path), path, request);
}

}  // namespace

TEST_CASE("images: JPEG (baseline, progressive, grey) and PNG (8-bit, 16-bit, palette, alpha) equal PIL's pixels, in 1, 3 and 4 channels") {
  if (!image_reference_available()) return;
  const TempDir& dir = image_fixtures();
  for (const char* name : {"baseline.jpg", "progressive.jpg", "gray.jpg", "big.jpg", "rgb8.png", "rgb16.png",
                           "gray16.png", "palette.png", "palette_4bit.png", "palette_trns.png", "rgba.png",
                           "gray_alpha.png"}) {
    for (int64_t channels : {3, 1, 4}) {
      const std::string file = name;
      CAPTURE(file);
      CAPTURE(channels);
      const DecodedImage ours = decode_file(dir, name, {channels, std::nullopt, 0, 0});
      const at::Tensor theirs =
          image_reference(dir, "decode '" + (dir.path / name).string() + "' " + std::to_string(channels), at::kByte);
      REQUIRE(ours.pixels.sizes() == theirs.sizes());
      CHECK(ours.scale == 1);
      // Exact: the same IDCT (libjpeg-turbo's ISLOW, fancy upsampling), the same luma formula.
      CHECK(at::equal(ours.pixels, theirs));
    }
  }
}

TEST_CASE("images: headers give the size without decoding; CMYK, truncated and non-image files are named errors") {
  if (!image_reference_available()) return;
  const TempDir& dir = image_fixtures();
  const ImageHeader big = read_image_header(read_text(dir.path / "big.jpg"), "big.jpg");
  CHECK(big.format == ImageFormat::jpeg);
  CHECK(big.width == 500);
  CHECK(big.height == 375);
  const ImageHeader png = read_image_header(read_text(dir.path / "rgb16.png"), "rgb16.png");
  CHECK(png.format == ImageFormat::png);
  CHECK(png.width == 161);
  CHECK(png.height == 121);
  CHECK_THROWS_WITH_AS(decode_file(dir, "cmyk.jpg"), doctest::Contains("cmyk.jpg: a CMYK JPEG; convert it to RGB"), DataError);
  CHECK_THROWS_WITH_AS(decode_file(dir, "truncated.jpg"), doctest::Contains("truncated.jpg: JPEG: truncated"), DataError);
  CHECK_THROWS_WITH_AS(decode_file(dir, "truncated.png"), doctest::Contains("truncated.png: PNG: truncated"), DataError);
  CHECK_THROWS_WITH_AS(decode_file(dir, "not_an_image.jpg"),
                       doctest::Contains("not_an_image.jpg: not a JPEG or PNG image (it starts with bytes"), DataError);
  CHECK_THROWS_WITH_AS(decode_image("", "empty.png", {}), doctest::Contains("empty.png: not a JPEG or PNG image (the file is empty)"),
                       DataError);
  CHECK_THROWS_WITH_AS(decode_file(dir, "big.jpg", {3, PixelBox{450, 0, 100, 10}, 0, 0}),
                       doctest::Contains("region 100x10 at (450, 0) is outside the 500x375 image"), DataError);
}

TEST_CASE("images: a JPEG region decodes only its rows and iMCU columns, within 2/255 of the full decode there") {
  if (!image_reference_available()) return;
  const TempDir& dir = image_fixtures();
  for (const char* name : {"big.jpg", "gray.jpg", "rgb8.png"}) {
    const std::string file = name;
    CAPTURE(file);
    const at::Tensor full = decode_file(dir, name).pixels;
    const PixelBox box{37, 21, 61, 45};
    const at::Tensor region = decode_file(dir, name, {3, box, 0, 0}).pixels;
    const at::Tensor expected = full.narrow(0, box.y, box.height).narrow(1, box.x, box.width);
    REQUIRE(region.sizes() == expected.sizes());
    const int64_t max_diff = (region.to(at::kInt) - expected.to(at::kInt)).abs().max().item<int64_t>();
    CAPTURE(max_diff);
    // Colour JPEGs: chroma upsampling ("fancy", as PIL) at the region's first rows sees skipped
    // rows differently, by at most 2 levels; grey JPEGs and PNGs are exact.
    CHECK(max_diff <= (file == "big.jpg" ? 2 : 0));
  }
}

TEST_CASE("images: a JPEG decodes at 1/2, 1/4, 1/8 scale when the output stays at least the size asked for") {
  if (!image_reference_available()) return;
  const TempDir& dir = image_fixtures();
  // 500 x 375 for at least 100 x 90: 1/4 (125 x 93); 100 x 100: 1/2; 60 x 40: 1/8; 300 wide: full.
  CHECK(decode_file(dir, "big.jpg", {3, std::nullopt, 100, 90}).scale == 4);
  CHECK(decode_file(dir, "big.jpg", {3, std::nullopt, 100, 100}).scale == 2);
  CHECK(decode_file(dir, "big.jpg", {3, std::nullopt, 60, 40}).scale == 8);
  CHECK(decode_file(dir, "big.jpg", {3, std::nullopt, 300, 10}).scale == 1);
  const DecodedImage eighth = decode_file(dir, "big.jpg", {3, std::nullopt, 60, 40});
  CHECK(eighth.pixels.size(0) == 47);  // ceil(375 / 8)
  CHECK(eighth.pixels.size(1) == 63);  // ceil(500 / 8)
  // A region at 1/2: its pixels are the region of the half-scale image.
  const DecodedImage half = decode_file(dir, "big.jpg", {3, std::nullopt, 250, 180});
  REQUIRE(half.scale == 2);
  const DecodedImage half_region = decode_file(dir, "big.jpg", {3, PixelBox{100, 60, 200, 150}, 100, 75});
  REQUIRE(half_region.scale == 2);
  CHECK(at::equal(half_region.pixels, half.pixels.narrow(0, 30, 75).narrow(1, 50, 100)));
  // PNGs have no reduced scale.
  CHECK(decode_file(dir, "rgb8.png", {3, std::nullopt, 10, 10}).scale == 1);
}
