// The 8-bit pixel kernels. The resize is PIL's (Resample.c: precompute_coeffs and
// normalize_coeffs_8bpc, the horizontal pass then the vertical one, each clipped to 8 bits) in
// integers, so any order of the sums gives PIL's pixels; both passes run as sums of whole lines
// (the horizontal one over the transposed image), which the compiler vectorizes.
#include "blox/data/image_pixels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <ATen/ops/empty.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/shape.h"

// The line sums twice: for AVX2 and for any x86-64, chosen at load time (GCC's function clones).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define BLOX_LINE_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define BLOX_LINE_KERNEL
#endif

namespace bx {
namespace pixel_kernels {

constexpr int kPrecisionBits = 32 - 8 - 2;

// out[x] = clip8(1/2 + sum_i k[i] * lines[i * stride + x]) for x < n, in PIL's fixed point.
BLOX_LINE_KERNEL void sum_lines(const uint8_t* __restrict__ lines, int64_t stride, const int32_t* __restrict__ k,
                                int64_t taps, int64_t n, int32_t* __restrict__ sums, uint8_t* __restrict__ out) {
  for (int64_t x = 0; x < n; ++x) sums[x] = 1 << (kPrecisionBits - 1);
  for (int64_t i = 0; i < taps; ++i) {
    const uint8_t* __restrict__ line = lines + i * stride;
    const int32_t w = k[i];
    for (int64_t x = 0; x < n; ++x) sums[x] += static_cast<int32_t>(line[x]) * w;
  }
  for (int64_t x = 0; x < n; ++x) {
    const int32_t v = sums[x] >> kPrecisionBits;
    out[x] = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

}  // namespace pixel_kernels

namespace {

using pixel_kernels::kPrecisionBits;

// PIL's bilinear filter taps: per output index, the first input index, the tap count, and
// fixed-point weights.
struct Taps {
  int64_t size = 0;  // taps per output index (ksize)
  std::vector<int64_t> first, count;
  std::vector<int32_t> weights;  // size per output index
};

Taps pil_taps(int64_t in_size, int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filterscale = std::max(scale, 1.0);
  const double support = 1.0 * filterscale;
  Taps t;
  t.size = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  t.first.resize(static_cast<size_t>(out_size));
  t.count.resize(static_cast<size_t>(out_size));
  t.weights.assign(static_cast<size_t>(out_size * t.size), 0);
  std::vector<double> k(static_cast<size_t>(t.size));
  for (int64_t xx = 0; xx < out_size; ++xx) {
    const double center = (static_cast<double>(xx) + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int64_t xmin = std::max<int64_t>(0, static_cast<int64_t>(center - support + 0.5));
    const int64_t xmax = std::min<int64_t>(in_size, static_cast<int64_t>(center + support + 0.5)) - xmin;
    double ww = 0.0;
    for (int64_t x = 0; x < xmax; ++x) {
      const double d = std::abs((static_cast<double>(x + xmin) - center + 0.5) * ss);
      k[static_cast<size_t>(x)] = d < 1.0 ? 1.0 - d : 0.0;
      ww += k[static_cast<size_t>(x)];
    }
    for (int64_t x = 0; x < xmax; ++x) {
      const double w = ww != 0.0 ? k[static_cast<size_t>(x)] / ww : k[static_cast<size_t>(x)];
      t.weights[static_cast<size_t>(xx * t.size + x)] =
          static_cast<int32_t>(w < 0 ? -0.5 + w * (1 << kPrecisionBits) : 0.5 + w * (1 << kPrecisionBits));
    }
    t.first[static_cast<size_t>(xx)] = xmin;
    t.count[static_cast<size_t>(xx)] = xmax;
  }
  return t;
}

// Pixels of c bytes: dst (cols, rows) from src (rows, cols) whose rows are `stride` bytes apart.
void transpose_pixels(const uint8_t* src, int64_t stride, int64_t rows, int64_t cols, int64_t c, uint8_t* dst) {
  constexpr int64_t kBlock = 32;  // a block of both fits in L1
  for (int64_t y0 = 0; y0 < rows; y0 += kBlock) {
    const int64_t y1 = std::min(rows, y0 + kBlock);
    for (int64_t x0 = 0; x0 < cols; x0 += kBlock) {
      const int64_t x1 = std::min(cols, x0 + kBlock);
      for (int64_t y = y0; y < y1; ++y) {
        const uint8_t* s = src + y * stride + x0 * c;
        uint8_t* d = dst + (x0 * rows + y) * c;
        if (c == 3) {
          for (int64_t x = x0; x < x1; ++x, s += 3, d += rows * 3) std::memcpy(d, s, 3);
        } else {
          for (int64_t x = x0; x < x1; ++x, s += c, d += rows * c) std::memcpy(d, s, static_cast<size_t>(c));
        }
      }
    }
  }
}

// Each output line: the taps' input lines (`stride` bytes apart) summed, `n` bytes long.
void filter(const uint8_t* src, int64_t stride, const Taps& taps, int64_t line_offset, int64_t n, uint8_t* dst) {
  std::vector<int32_t> sums(static_cast<size_t>(n));
  for (size_t o = 0; o < taps.first.size(); ++o) {
    pixel_kernels::sum_lines(src + (taps.first[o] - line_offset) * stride, stride, &taps.weights[o * taps.size],
                             taps.count[o], n, sums.data(), dst + static_cast<int64_t>(o) * n);
  }
}

}  // namespace

at::Tensor resize_pixels(const at::Tensor& pixels, int64_t height, int64_t width) {
  if (pixels.dim() != 3 || pixels.scalar_type() != at::kByte) {
    throw ShapeError(fmt::format("resize: expected uint8 pixels (H, W, C), got shape {}", format_shape(pixels.sizes())));
  }
  const int64_t in_h = pixels.size(0), in_w = pixels.size(1), c = pixels.size(2);
  const at::Tensor in = pixels.stride(2) == 1 && pixels.stride(1) == c ? pixels : pixels.contiguous();
  if (in_h == height && in_w == width) return in.contiguous();
  const Taps vertical = pil_taps(in_h, height);
  const uint8_t* src = in.data_ptr<uint8_t>();
  int64_t stride = in.stride(0), row0 = 0;
  at::Tensor out;
  if (in_w != width) {
    // Horizontal first, over the rows the vertical pass uses (as PIL): on the transposed rows.
    row0 = vertical.first.front();
    const int64_t rows = vertical.first.back() + vertical.count.back() - row0;
    const Taps horizontal = pil_taps(in_w, width);
    std::vector<uint8_t> columns(static_cast<size_t>(in_w * rows * c)), filtered(static_cast<size_t>(width * rows * c));
    transpose_pixels(src + row0 * stride, stride, rows, in_w, c, columns.data());
    filter(columns.data(), rows * c, horizontal, 0, rows * c, filtered.data());
    out = at::empty({rows, width, c}, at::kByte);
    transpose_pixels(filtered.data(), rows * c, width, rows, c, out.data_ptr<uint8_t>());
    if (in_h == height) return out;
    src = out.data_ptr<uint8_t>();
    stride = width * c;
  }
  at::Tensor resized = at::empty({height, width, c}, at::kByte);
  filter(src, stride, vertical, row0, width * c, resized.data_ptr<uint8_t>());
  return resized;
}

void mirror_pixels(at::Tensor& pixels) {
  if (pixels.dim() != 3 || pixels.scalar_type() != at::kByte || !pixels.is_contiguous()) {
    throw ShapeError(fmt::format("mirror: expected contiguous uint8 pixels (H, W, C), got shape {}",
                                 format_shape(pixels.sizes())));
  }
  const int64_t h = pixels.size(0), w = pixels.size(1), c = pixels.size(2);
  uint8_t* p = pixels.data_ptr<uint8_t>();
  uint8_t swap[16];
  for (int64_t y = 0; y < h; ++y) {
    uint8_t* row = p + y * w * c;
    for (int64_t a = 0, b = w - 1; a < b; ++a, --b) {
      for (int64_t done = 0; done < c; done += 16) {  // c bytes, 16 at a time
        const size_t bytes = static_cast<size_t>(std::min<int64_t>(16, c - done));
        std::memcpy(swap, row + a * c + done, bytes);
        std::memcpy(row + a * c + done, row + b * c + done, bytes);
        std::memcpy(row + b * c + done, swap, bytes);
      }
    }
  }
}

PixelScale::PixelScale(int64_t channels, const std::vector<double>& mean, const std::vector<double>& std)
    : channels_(channels), table_(static_cast<size_t>(channels * 256)) {
  if (!mean.empty() && mean.size() != 1 && static_cast<int64_t>(mean.size()) != channels) {
    throw ShapeError(fmt::format("normalize: {} channel values for images of {} channels", mean.size(), channels));
  }
  const auto per_channel = [&](const std::vector<double>& values, int64_t ch, float none) {
    return values.empty() ? none : static_cast<float>(values.size() == 1 ? values[0] : values[static_cast<size_t>(ch)]);
  };
  for (int64_t ch = 0; ch < channels; ++ch) {
    const float m = per_channel(mean, ch, 0.0f), s = per_channel(std, ch, 1.0f);
    for (int v = 0; v < 256; ++v) table_[static_cast<size_t>(ch * 256 + v)] = (static_cast<float>(v) / 255.0f - m) / s;
  }
}

void PixelScale::to_planes(const at::Tensor& pixels, float* out) const {
  const int64_t plane = pixels.size(0) * pixels.size(1), c = channels_;
  if (pixels.size(2) != c) throw ShapeError(fmt::format("pixels of {} channels, expected {}", pixels.size(2), c));
  const uint8_t* p = pixels.data_ptr<uint8_t>();
  for (int64_t ch = 0; ch < c; ++ch) {
    const float* table = table_.data() + ch * 256;
    float* o = out + ch * plane;
    for (int64_t k = 0; k < plane; ++k) o[k] = table[p[k * c + ch]];
  }
}

}  // namespace bx
