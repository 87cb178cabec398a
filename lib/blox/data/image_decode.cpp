// JPEG through libjpeg-turbo's libjpeg API (DCT scaling, jpeg_crop_scanline, jpeg_skip_scanlines),
// PNG through libpng, row by row. Both report errors by longjmp: each decoder keeps C++ objects
// that need destructors out of the frames a longjmp crosses (declared before setjmp, assigned after).
#include "blox/data/image_decode.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on
#include <png.h>

#include <ATen/ops/empty.h>
#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {
namespace {

// Larger images are refused before anything is allocated (a header can claim 4 G pixels).
constexpr int64_t kMaxPixels = int64_t{1} << 28;

bool is_jpeg(const std::string& b) {
  return b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8 &&
         static_cast<unsigned char>(b[2]) == 0xFF;
}

bool is_png(const std::string& b) { return b.size() >= 8 && std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0; }

ImageFormat sniff(const std::string& bytes, const std::string& source) {
  if (is_jpeg(bytes)) return ImageFormat::jpeg;
  if (is_png(bytes)) return ImageFormat::png;
  std::string start;
  for (size_t i = 0; i < std::min<size_t>(bytes.size(), 4); ++i) {
    start += fmt::format("{}{:02x}", i ? " " : "", static_cast<unsigned char>(bytes[i]));
  }
  throw DataError(fmt::format("{}: not a JPEG or PNG image ({})", source,
                              bytes.empty() ? "the file is empty" : "it starts with bytes " + start));
}

void check_size(int64_t width, int64_t height, const std::string& source) {
  if (width <= 0 || height <= 0 || width * height > kMaxPixels) {
    throw DataError(fmt::format("{}: image size {}x{} is outside 1 to {} pixels", source, width, height, kMaxPixels));
  }
}

PixelBox whole_or(const DecodeRequest& r, int64_t width, int64_t height, const std::string& source) {
  if (!r.region) return {0, 0, width, height};
  const PixelBox& b = *r.region;
  if (b.x < 0 || b.y < 0 || b.width <= 0 || b.height <= 0 || b.x + b.width > width || b.y + b.height > height) {
    throw DataError(fmt::format("{}: region {}x{} at ({}, {}) is outside the {}x{} image", source, b.width, b.height,
                                b.x, b.y, width, height));
  }
  return b;
}

// ---- JPEG ----

struct JpegErrors {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jpeg_fail(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegErrors*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings are ignored, except data ending early: libjpeg would fill the rest with grey.
void jpeg_note(j_common_ptr c, int level) {
  if (level == -1 && c->err->msg_code == JWRN_JPEG_EOF) {
    auto* e = reinterpret_cast<JpegErrors*>(c->err);
    std::snprintf(e->message, sizeof e->message, "truncated (the data ends before the image does)");
    std::longjmp(e->jump, 1);
  }
}

// The largest DCT scale denominator (8, 4, 2, 1) that keeps `box` at least min_width x min_height.
int64_t jpeg_scale(const PixelBox& box, const DecodeRequest& r) {
  if (r.min_width <= 0 && r.min_height <= 0) return 1;
  for (int64_t d : {8, 4, 2}) {
    if (box.width / d >= r.min_width && box.height / d >= r.min_height) return d;
  }
  return 1;
}

// The jpeg_decompress_struct and its error manager, destroyed on every path.
struct JpegReader {
  jpeg_decompress_struct info{};
  JpegErrors errors{};
  bool created = false;
  ~JpegReader() {
    if (created) jpeg_destroy_decompress(&info);
  }
};

void jpeg_open(JpegReader& j, const std::string& bytes) {
  j.info.err = jpeg_std_error(&j.errors.mgr);
  j.errors.mgr.error_exit = jpeg_fail;
  j.errors.mgr.emit_message = jpeg_note;
  jpeg_create_decompress(&j.info);
  j.created = true;
  jpeg_mem_src(&j.info, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&j.info, TRUE);
}

const char* unsupported_jpeg_colour(const jpeg_decompress_struct& info) {
  if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) return "CMYK";
  if (info.num_components != 1 && info.num_components != 3) return "neither grey nor 3-channel";
  return nullptr;
}

ImageHeader jpeg_header(const std::string& bytes, const std::string& source) {
  JpegReader j;
  if (setjmp(j.errors.jump)) throw DataError(fmt::format("{}: JPEG: {}", source, j.errors.message));
  jpeg_open(j, bytes);
  if (const char* what = unsupported_jpeg_colour(j.info)) {
    throw DataError(fmt::format("{}: a {} JPEG; convert it to RGB or greyscale", source, what));
  }
  return {ImageFormat::jpeg, static_cast<int64_t>(j.info.image_width), static_cast<int64_t>(j.info.image_height)};
}

DecodedImage jpeg_decode(const std::string& bytes, const std::string& source, const DecodeRequest& r) {
  JpegReader j;
  at::Tensor rows;  // before setjmp: a longjmp back to it skips no destructor
  if (setjmp(j.errors.jump)) throw DataError(fmt::format("{}: JPEG: {}", source, j.errors.message));
  jpeg_open(j, bytes);
  if (const char* what = unsupported_jpeg_colour(j.info)) {
    throw DataError(fmt::format("{}: a {} JPEG; convert it to RGB or greyscale", source, what));
  }
  const int64_t width = j.info.image_width, height = j.info.image_height;
  check_size(width, height, source);
  const PixelBox box = whole_or(r, width, height, source);
  const int64_t scale = jpeg_scale(box, r);
  const bool grey = j.info.num_components == 1;
  j.info.out_color_space = r.channels == 4 ? JCS_EXT_RGBA : grey ? JCS_GRAYSCALE : JCS_RGB;  // RGBA: alpha 255
  j.info.scale_num = 1;
  j.info.scale_denom = static_cast<unsigned int>(scale);
  jpeg_start_decompress(&j.info);
  // The region at this scale, rounded to whole pixels.
  const auto scaled = [&](int64_t v, int64_t limit) {
    return std::min<int64_t>(limit, (2 * v + scale) / (2 * scale));
  };
  const int64_t out_w = j.info.output_width, out_h = j.info.output_height;
  const int64_t x0 = scaled(box.x, out_w - 1), y0 = scaled(box.y, out_h - 1);
  const int64_t x1 = std::max(x0 + 1, scaled(box.x + box.width, out_w));
  const int64_t y1 = std::max(y0 + 1, scaled(box.y + box.height, out_h));
  JDIMENSION crop_x = static_cast<JDIMENSION>(x0), crop_w = static_cast<JDIMENSION>(x1 - x0);
  if (crop_w < j.info.output_width) jpeg_crop_scanline(&j.info, &crop_x, &crop_w);  // widened to iMCU edges
  const int64_t comps = j.info.output_components;
  rows = at::empty({y1 - y0, static_cast<int64_t>(crop_w), comps}, at::kByte);
  if (y0 > 0) jpeg_skip_scanlines(&j.info, static_cast<JDIMENSION>(y0));
  unsigned char* base = rows.data_ptr<unsigned char>();
  const int64_t stride = static_cast<int64_t>(crop_w) * comps;
  for (int64_t row = 0; row < y1 - y0;) {
    JSAMPROW line = base + row * stride;
    row += jpeg_read_scanlines(&j.info, &line, 1);
  }
  jpeg_abort_decompress(&j.info);  // the rows below the region are never decoded
  at::Tensor pixels = rows.narrow(1, x0 - static_cast<int64_t>(crop_x), x1 - x0);
  if (r.channels == 3 && grey) pixels = pixels.expand({-1, -1, 3});
  if (r.channels == 1 && !grey) pixels = rgb_to_luma(pixels);
  return {pixels.contiguous(), scale};
}

// ---- PNG ----

struct PngInput {
  const std::string* bytes;
  size_t at;
  char message[256];
};

[[noreturn]] void png_fail(png_structp png, png_const_charp message) {
  auto* in = static_cast<PngInput*>(png_get_error_ptr(png));
  std::snprintf(in->message, sizeof in->message, "%s", message);
  png_longjmp(png, 1);
}

void png_ignore(png_structp, png_const_charp) {}

void png_read_bytes(png_structp png, png_bytep out, size_t count) {
  auto* in = static_cast<PngInput*>(png_get_io_ptr(png));
  if (in->bytes->size() - in->at < count) png_error(png, "truncated (the data ends before the image does)");
  std::memcpy(out, in->bytes->data() + in->at, count);
  in->at += count;
}

struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  PngInput input{};
  explicit PngReader(const std::string& bytes) {
    input.bytes = &bytes;
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &input, png_fail, png_ignore);
    if (png) info = png_create_info_struct(png);
    if (!png || !info) throw std::bad_alloc();
    png_set_read_fn(png, &input, png_read_bytes);
  }
  ~PngReader() { png_destroy_read_struct(&png, &info, nullptr); }
};

ImageHeader png_header(const std::string& bytes, const std::string& source) {
  PngReader p(bytes);
  if (setjmp(png_jmpbuf(p.png))) throw DataError(fmt::format("{}: PNG: {}", source, p.input.message));
  png_read_info(p.png, p.info);
  return {ImageFormat::png, static_cast<int64_t>(png_get_image_width(p.png, p.info)),
          static_cast<int64_t>(png_get_image_height(p.png, p.info))};
}

DecodedImage png_decode(const std::string& bytes, const std::string& source, const DecodeRequest& r) {
  PngReader p(bytes);
  at::Tensor image;             // before setjmp, as the JPEG decoder's rows
  std::vector<png_bytep> rows;  // likewise
  if (setjmp(png_jmpbuf(p.png))) throw DataError(fmt::format("{}: PNG: {}", source, p.input.message));
  png_read_info(p.png, p.info);
  const int64_t width = png_get_image_width(p.png, p.info), height = png_get_image_height(p.png, p.info);
  check_size(width, height, source);
  const PixelBox box = whole_or(r, width, height, source);
  const int type = png_get_color_type(p.png, p.info);
  // To 8-bit grey, RGB or RGBA, as PIL's convert("L") / convert("RGB") / convert("RGBA"):
  // palettes expanded, 16-bit samples rounded to 8 bits (v / 257); alpha and transparency (tRNS)
  // dropped (not composited), or kept as alpha (255 where the file has none).
  const bool transparency = (type & PNG_COLOR_MASK_ALPHA) || png_get_valid(p.png, p.info, PNG_INFO_tRNS);
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(p.png);
  if (png_get_bit_depth(p.png, p.info) < 8) png_set_packing(p.png);
  if (type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(p.png, p.info) < 8) png_set_expand_gray_1_2_4_to_8(p.png);
  if (png_get_valid(p.png, p.info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(p.png);
  if (png_get_bit_depth(p.png, p.info) == 16) png_set_scale_16(p.png);
  if (transparency && r.channels != 4) png_set_strip_alpha(p.png);
  if (!transparency && r.channels == 4) png_set_add_alpha(p.png, 0xff, PNG_FILLER_AFTER);
  const bool grey = !(type & PNG_COLOR_MASK_COLOR);
  if (grey && r.channels != 1) png_set_gray_to_rgb(p.png);
  const int passes = png_set_interlace_handling(p.png);
  png_read_update_info(p.png, p.info);
  const int64_t comps = png_get_channels(p.png, p.info);
  if (comps != (r.channels == 1 && !grey ? 3 : r.channels)) {  // RGB to luma below
    throw DataError(fmt::format("{}: PNG: {} channels after conversion, expected {}", source, comps, r.channels));
  }
  // Non-interlaced: rows past the region are never read. Interlaced: every pass covers all rows.
  const int64_t needed = passes > 1 ? height : box.y + box.height;
  image = at::empty({needed, width, comps}, at::kByte);
  rows.resize(static_cast<size_t>(needed));
  for (int64_t y = 0; y < needed; ++y) rows[y] = image.data_ptr<unsigned char>() + y * width * comps;
  if (passes > 1) {
    png_read_image(p.png, rows.data());
  } else {
    for (int64_t y = 0; y < needed; ++y) png_read_row(p.png, rows[y], nullptr);
  }
  at::Tensor pixels = image.narrow(0, box.y, box.height).narrow(1, box.x, box.width);
  if (r.channels == 1 && !grey) pixels = rgb_to_luma(pixels);
  return {pixels.contiguous(), 1};
}

}  // namespace

ImageHeader read_image_header(const std::string& bytes, const std::string& source) {
  const ImageHeader h = sniff(bytes, source) == ImageFormat::jpeg ? jpeg_header(bytes, source) : png_header(bytes, source);
  check_size(h.width, h.height, source);
  return h;
}

DecodedImage decode_image(const std::string& bytes, const std::string& source, const DecodeRequest& request) {
  if (request.channels != 1 && request.channels != 3 && request.channels != 4) {
    throw ConfigError(fmt::format("{}: channels must be 1, 3 or 4, got {}", source, request.channels));
  }
  return sniff(bytes, source) == ImageFormat::jpeg ? jpeg_decode(bytes, source, request)
                                                   : png_decode(bytes, source, request);
}

at::Tensor rgb_to_luma(const at::Tensor& rgb) {
  const at::Tensor c = rgb.contiguous();
  at::Tensor out = at::empty({c.size(0), c.size(1), 1}, at::kByte);
  const unsigned char* in = c.data_ptr<unsigned char>();
  unsigned char* o = out.data_ptr<unsigned char>();
  const int64_t n = c.size(0) * c.size(1);
  for (int64_t i = 0; i < n; ++i, in += 3) {
    o[i] = static_cast<unsigned char>((19595u * in[0] + 38470u * in[1] + 7471u * in[2] + 0x8000u) >> 16);
  }
  return out;
}

}  // namespace bx
